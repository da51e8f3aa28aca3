using System.Net;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;
using Xunit.Abstractions;

namespace Orum.Auth.Tests.Reliability;

[Collection(TelemetryTests.Name)] // alone: it measures process memory
public class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Handler_MillionRequestsOn8ThreadsAcrossRotations_NoAuthFailureAndNoGrowth()
    {
        const int Threads = 8;
        const int RequestsPerPhase = 125; // per thread
        const int WarmUpPhases = 10; // JIT, pools, the first tokens

        // The clock moves 10 s between phases: one token rotation per phase. 1,000 phases are 1,000,000 requests; the
        // long variant (ORUM_LONG_TESTS=1) runs 10,000 (10 million requests, 10,000 tokens).
        var phases = Environment.GetEnvironmentVariable("ORUM_LONG_TESTS") == "1" ? 10_000 : 1_000;
        var total = (long)Threads * RequestsPerPhase * phases;

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var client = new FakeTokenClient(time) { Lifetime = TimeSpan.FromSeconds(20) }; // refreshed at half-life: every 10 s
        using var cache = new TokenCache(client, new OrumAuthOptions(), time);
        var api = new ValidatingApi(time, client);
        using var invoker = new HttpMessageInvoker(new OrumBearerTokenHandler(cache, new OrumAuthOptions()) { InnerHandler = api });
        var failures = 0;
        var phasesDone = 0;
        long memoryAtStart = 0;
        var callsAtStart = 0;

        // Runs on the last thread to arrive, while the others wait: nothing else allocates during the measurement.
        using var barrier = new Barrier(Threads, _ =>
        {
            time.Advance(TimeSpan.FromSeconds(10));
            api.ForgetExpired(); // the fake issuer's bookkeeping must not grow with the tokens either
            if (++phasesDone == WarmUpPhases)
            {
                memoryAtStart = GC.GetTotalMemory(forceFullCollection: true);
                callsAtStart = client.Calls;
            }
        });
        var workers = Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                for (var phase = 0; phase < phases; phase++)
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
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(phases / 1_000 * 3));

        var memoryAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        var rotationsMeasured = client.Calls - callsAtStart;
        output.WriteLine($"{api.Requests:N0} requests, {client.Calls} tokens; heap after a full GC: {memoryAtStart:N0} bytes after {WarmUpPhases} phases, {memoryAtEnd:N0} at the end ({memoryAtEnd - memoryAtStart:+#,0;-#,0;0} over {rotationsMeasured} rotations)");
        Assert.Equal(0, failures);
        Assert.Equal(total, api.Requests);
        Assert.Equal(phases, client.Calls); // one token per 10-second phase: the first, then a refresh at each half-life
        Assert.Equal(phases - WarmUpPhases, rotationsMeasured);

        // Within 1 MiB over 990 rotations and 990,000 requests (9,990 and 9,990,000 in the long variant): less than about
        // 1 KiB per token, or 1 byte per request.
        // (A leak of 2 KiB per token fails it; measured growth is about 260 KB, the same over 990 or 3,990 rotations.)
        Assert.True(memoryAtStart > 0, "the baseline was not taken");
        Assert.True(memoryAtEnd - memoryAtStart <= 1024 * 1024, $"the heap grew by {memoryAtEnd - memoryAtStart:N0} bytes over {rotationsMeasured} token rotations");
    }

    /// <summary>Answers 200 only to a token the fake issued that has not expired on the shared clock; 401 otherwise.</summary>
    private sealed class ValidatingApi(FakeTimeProvider time, FakeTokenClient issuer) : HttpMessageHandler
    {
        private long _requests;

        public long Requests => Interlocked.Read(ref _requests);

        /// <summary>Drops expired tokens from the issuer's record: a request still carrying one gets 401 as before.</summary>
        public void ForgetExpired()
        {
            foreach (var (value, token) in issuer.Issued)
            {
                if (token.ExpiresAt <= time.GetUtcNow())
                {
                    issuer.Issued.TryRemove(value, out _);
                }
            }
        }

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
