using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orum.Auth.Internal;

/// <summary>Source-generated JSON for the token endpoint: no reflection, trimming- and AOT-safe.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TokenRequestBody))]
[JsonSerializable(typeof(TokenResponseBody))]
[JsonSerializable(typeof(ErrorResponseBody))]
internal sealed partial class OrumJsonContext : JsonSerializerContext
{
}

internal sealed class TokenRequestBody
{
    [JsonPropertyName("client_id")]
    public required string ClientId { get; init; }

    [JsonPropertyName("client_secret")]
    public required string ClientSecret { get; init; }
}

internal sealed class TokenResponseBody
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; set; }

    [JsonPropertyName("expires_in")]
    public double? ExpiresIn { get; set; }
}

internal sealed class ErrorResponseBody
{
    [JsonPropertyName("error_code")]
    public string? ErrorCode { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("details")]
    public JsonElement? Details { get; set; }
}
