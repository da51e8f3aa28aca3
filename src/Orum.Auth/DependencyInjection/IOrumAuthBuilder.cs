using Microsoft.Extensions.Http.Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures one Orum credential registered with <c>AddOrumAuth</c>.</summary>
public interface IOrumAuthBuilder
{
    /// <summary>Gets the credential name; empty for the default credential.</summary>
    string Name { get; }

    /// <summary>Gets the service collection the credential is registered in.</summary>
    IServiceCollection Services { get; }

    /// <summary>Gets the builder of the credential's token <see cref="System.Net.Http.HttpClient"/>, for handlers or a primary handler of your own.</summary>
    IHttpClientBuilder TokenHttpClient { get; }

    /// <summary>
    /// Gets the token endpoint's resilience pipeline (retry, attempt and total timeouts, circuit breaker), to reconfigure with
    /// <c>TokenResilience.Configure(o =&gt; …)</c>.
    /// </summary>
    IHttpStandardResiliencePipelineBuilder TokenResilience { get; }
}
