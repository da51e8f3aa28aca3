using Microsoft.Extensions.Logging;

namespace Orum.Auth.Internal;

/// <summary>
/// Keeps the bearer token out of HttpClientFactory's Trace-level header records. The inner logger of a client
/// (<c>System.Net.Http.HttpClient.{name}.ClientHandler</c>) writes the request headers (event 102) after
/// <see cref="OrumBearerTokenHandler"/> has set <c>Authorization</c>. Its message honours
/// <c>ShouldRedactHeaderValue</c> and shows <c>Authorization: *</c>, but the record's structured state carries the raw
/// header values (Microsoft.Extensions.Http's <c>HttpHeadersLogValue</c>), and structured log exporters write them out.
/// So that category stops at Debug for clients that carry the token; its Information records (100 and 101: request start
/// and end) stay, and the outer logger's header records (written before the token is set) too.
/// </summary>
internal static class HeaderLogFilter
{
    internal static string Category(string httpClientName) => $"System.Net.Http.HttpClient.{httpClientName}.ClientHandler";

    /// <summary>
    /// Adds the Debug rule for <paramref name="category"/> once for all providers and once for every provider the app has
    /// rules for: Microsoft.Extensions.Logging picks a provider's own rule over any rule for all providers, so a
    /// <c>Logging:Console:LogLevel:Default = Trace</c> would otherwise bring the records back. A rule the app wrote for
    /// exactly this category (for a provider or for all) is left alone: that is a deliberate choice.
    /// </summary>
    internal static void Apply(LoggerFilterOptions options, string category)
    {
        List<string?> providers = [null, .. options.Rules.Select(r => r.ProviderName).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)];
        foreach (var provider in providers)
        {
            var decided = options.Rules.Any(r =>
                string.Equals(r.ProviderName, provider, StringComparison.OrdinalIgnoreCase)
                && string.Equals(r.CategoryName, category, StringComparison.OrdinalIgnoreCase));
            if (!decided)
            {
                options.Rules.Add(new LoggerFilterRule(provider, category, LogLevel.Debug, filter: null));
            }
        }
    }
}
