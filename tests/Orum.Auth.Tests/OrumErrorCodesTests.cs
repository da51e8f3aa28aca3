using System.Reflection;

namespace Orum.Auth.Tests;

public class OrumErrorCodesTests
{
    [Theory]
    [InlineData(OrumErrorCodes.MissingClientId, "missing_client_id")]
    [InlineData(OrumErrorCodes.InvalidClientId, "invalid_client_id")]
    [InlineData(OrumErrorCodes.MissingClientSecret, "missing_client_secret")]
    [InlineData(OrumErrorCodes.InvalidClientSecret, "invalid_client_secret")]
    [InlineData(OrumErrorCodes.Unauthorized, "unauthorized")]
    [InlineData(OrumErrorCodes.TooManyRequests, "too_many_requests")]
    [InlineData(OrumErrorCodes.VersionMissing, "version_missing")]
    [InlineData(OrumErrorCodes.VersionInvalid, "version_invalid")]
    public void Constant_IsTheCodeOrumDocuments(string constant, string documented)
    {
        Assert.Equal(documented, constant);
    }

    [Fact]
    public void Constants_AreExactlyTheDocumentedCodes()
    {
        // A code added to the class must be added to the test above (and to API-NOTES) too.
        var codes = typeof(OrumErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            ["invalid_client_id", "invalid_client_secret", "missing_client_id", "missing_client_secret", "too_many_requests", "unauthorized", "version_invalid", "version_missing"],
            codes);
    }
}
