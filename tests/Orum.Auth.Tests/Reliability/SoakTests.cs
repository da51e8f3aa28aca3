using System.Net;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Reliability;

[Collection(TelemetryTests.Name)] // alone: it measures process memory
public class SoakTests
{
    [Fact]
    public async Task Handler_MillionRequestsOn8ThreadsAcrossRotations_NoAuthFailureAndNoGrowth()
    {
        const int Threads = 8;
        const int RequestsPerPhase = 1_000; // per thread; the clock moves 1 s between phases
        const int Phases = 1_000_000 / Threads / RequestsPerPhase;

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var client = new FakeTokenClient(time) { Lifetime = TimeSpan.FromSeconds(20) }; // a new token every ~10 s
        using var cache = new TokenCache(client, new OrumAuthOptions(), time);
        var api = new ValidatingApi(time, client);
        using var invoker = new HttpMessageInvoker(new OrumBearerTokenHandler(cache, new OrumAuthOptions()) { InnerHandler = api });
        var failures = 0;
        long memoryAtStart = 0;

        using var barrier = new Barrier(Threads, _ =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (memoryAtStart == 0 && time.GetUtcNow() == new DateTimeOffset(2026, 1, 1, 0, 0, 3, TimeSpan.Zero))
            {
                memoryAtStart = GC.GetTotalMemory(forceFullCollection: true); // after warm-up: JIT, pools, first tokens
            }
        });
        var workers = Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                for (var phase = 0; phase < Phases; phase++)
                {
                    for (var i = 0; i < RequestsPerPhase; i++)
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api-sandbox.orum.io/deliver/balance");
                        using var response = invoker.SendAsync(request, CancellationToken.None).GetAwaiter().GetResult();
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref failures);
                        }
                    }

                    barrier.SignalAndWait();
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(3));

        var memoryAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(0, failures);
        Assert.Equal(1_000_000, api.Requests);
        Assert.InRange(client.Calls, 12, 14); // 125 simulated seconds of 20-second tokens, refreshed at half-life
        Assert.InRange(memoryAtEnd - memoryAtStart, long.MinValue, 1024 * 1024);
    }

    /// <summary>Answers 200 only to a token the fake issued that has not expired on the shared clock; 401 otherwise.</summary>
    private sealed class ValidatingApi(FakeTimeProvider time, FakeTokenClient issuer) : HttpMessageHandler
    {
        private long _requests;

        public long Requests => Interlocked.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            var valid = request.Headers.Authorization is { Scheme: "Bearer", Parameter: { } value }
                && issuer.Issued.TryGetValue(value, out var token)
                && time.GetUtcNow() < token.ExpiresAt
                && request.Headers.TryGetValues("Orum-Version", out _);
            return Task.FromResult(new HttpResponseMessage(valid ? HttpStatusCode.OK : HttpStatusCode.Unauthorized));
        }
    }
}
