using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Orum.Auth.DistributedCache.Tests.TestSupport;

/// <summary>
/// Orum's API for the replicas of a test: answers 200 to a request whose bearer token it has not revoked, 401 to one whose
/// token it has. <see cref="AddClient"/> registers the "orum-api" client every replica calls it through, with the bearer handler.
/// </summary>
internal sealed class FakeApi : HttpMessageHandler
{
    public const string ClientName = "orum-api";

    private readonly ConcurrentDictionary<string, bool> _revoked = new(StringComparer.Ordinal);
    private int _unauthorized;
    private int _succeeded;

    /// <summary>401s sent, one per request that carried a revoked token.</summary>
    public int Unauthorized => Volatile.Read(ref _unauthorized);

    public int Succeeded => Volatile.Read(ref _succeeded);

    /// <summary>Revokes <paramref name="token"/> server-side: every request that carries it from now on gets 401.</summary>
    public void Revoke(string token) => _revoked[token] = true;

    public void AddClient(IServiceCollection services) =>
        services.AddHttpClient(ClientName, c => c.BaseAddress = new Uri("http://127.0.0.1:9/"))
            .AddOrumBearerTokenHandler()
            .ConfigurePrimaryHttpMessageHandler(() => this);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = request.Headers.Authorization?.Parameter;
        if (token is null || _revoked.ContainsKey(token))
        {
            Interlocked.Increment(ref _unauthorized);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized));
        }

        Interlocked.Increment(ref _succeeded);
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
    }
}
