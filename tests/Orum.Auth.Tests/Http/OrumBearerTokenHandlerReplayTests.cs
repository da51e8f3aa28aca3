using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orum.Auth.Tests.TestSupport;

namespace Orum.Auth.Tests.Http;

/// <summary>What <see cref="OrumBearerTokenHandler"/> does when Orum answers 401, on a typed client built by a real container.</summary>
public class OrumBearerTokenHandlerReplayTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Uri Balance = new("/deliver/balance", UriKind.Relative);
    private static readonly Uri Persons = new("/deliver/persons", UriKind.Relative);

    [Fact]
    public async Task SendAsync_Unauthorized_DisposesIt_AndResendsOnceWithANewToken()
    {
        var rejected = new TrackingContent("""{"error_code":"unauthorized","message":"made-up"}""");
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api().Then(() => new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = rejected });
        var services = new ServiceCollection();

        // The token has been in use for a minute when Orum rejects it; from then on the clock never moves: the replay
        // must not wait on it.
        var time = new FakeTimeProvider();
        services.AddSingleton<TimeProvider>(time);
        await using var provider = services.AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();
        await provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask().WaitAsync(Limit);
        time.Advance(TimeSpan.FromMinutes(1));

        using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["Bearer token-1", "Bearer token-2"], api.Requests.Select(r => r.Authorization));
        Assert.Equal(2, token.Count);
        Assert.True(rejected.Disposed, "the 401 response was not disposed");
    }

    [Fact]
    public async Task SendAsync_Unauthorized_InvalidatesExactlyTheTokenItSent()
    {
        var tokens = new RecordingTokens();
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api().Then(() => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        var services = new ServiceCollection();
        services.AddSingleton<IOrumTokenProvider>(tokens);
        await using var provider = services.AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Same(tokens.Issued[0], Assert.Single(tokens.Invalidated));
        Assert.Equal(["Bearer made-up-1", "Bearer made-up-2"], api.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task SendAsync_UnauthorizedTwice_ReturnsTheSecond401ToTheCaller()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api((_, _, _) => Task.FromResult(RecordingEndpoint.Error(HttpStatusCode.Unauthorized)));
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("e401", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal); // not disposed
        Assert.Equal(["Bearer token-1", "Bearer token-2"], api.Requests.Select(r => r.Authorization));
        Assert.Equal(2, token.Count);
    }

    [Fact]
    public async Task SendAsync_RetryOnUnauthorizedFalse_Returns401WithoutResending_AndNextRequestGetsANewToken()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api().Then(() => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        await using var provider = new ServiceCollection().AddDeliver(token, api, o => o.RetryOnUnauthorized = false).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var first = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(1, api.Count);
        Assert.Equal(1, token.Count);

        // Orum refused token-1, so it must not be sent again even though nothing was replayed.
        using var second = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["Bearer token-1", "Bearer token-2"], api.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task SendAsync_UnauthorizedPostWithStringContent_ResendsTheSameBody()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api().Then(() => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();
        const string Body = """{"customer_reference_id":"made-up-1","first_name":"Ada","last_name":"Lovelace"}""";

        using var response = await client.Http.PostAsync(Persons, new StringContent(Body, Encoding.UTF8, "application/json")).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([Body, Body], api.Requests.Select(r => r.Body));
    }

    [Fact]
    public async Task SendAsync_UnauthorizedPostAsJson_ResendsTheSameBody()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api().Then(() => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        using var response = await client.Http.PostAsJsonAsync(Persons, new { customer_reference_id = "made-up-2", first_name = "Grace" }).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bodies = api.Requests.Select(r => r.Body).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Contains("made-up-2", bodies[0], StringComparison.Ordinal);
        Assert.Equal(bodies[0], bodies[1]);
    }

    [Fact]
    public async Task SendAsync_UnauthorizedSmallStreamOfKnownLength_BuffersItAndResendsTheSameBody()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api().Then(() => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();
        var bytes = Encoding.UTF8.GetBytes("""{"account_number":"000123456789","routing_number":"000000000"}""");
        using var content = new StreamContent(new ForwardOnlyStream(bytes));
        content.Headers.ContentLength = bytes.Length; // a stream that cannot seek, but says how long it is

        using var response = await client.Http.PostAsync(new Uri("/verify/accounts", UriKind.Relative), content).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = Encoding.UTF8.GetString(bytes);
        Assert.Equal([expected, expected], api.Requests.Select(r => r.Body));
    }

    [Fact]
    public async Task SendAsync_UnauthorizedStreamOfUnknownLength_IsNotResent_ButTheTokenIsDropped()
    {
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api().Then(() => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();
        using var content = new StreamContent(new ForwardOnlyStream(Encoding.UTF8.GetBytes("made-up report")));

        using var response = await client.Http.PostAsync(Persons, content).WaitAsync(Limit);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("made-up report", Assert.Single(api.Requests).Body);

        using var next = await client.Http.GetAsync(Balance).WaitAsync(Limit);

        Assert.Equal("Bearer token-2", api.Requests[^1].Authorization);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_FiftyConcurrent401sForTheSameToken_RequestOneNewToken(bool restAfterTheNewTokenIsCached)
    {
        // Fifty requests carrying token-1 are held in flight together, then all refused. With restAfterTheNewTokenIsCached
        // the first is refused alone and the other 49 only once token-2 is cached, so their Invalidate(token-1) calls
        // arrive when token-1 is no longer current: they must leave token-2 alone.
        const int Callers = 50;
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseRest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var token = RecordingEndpoint.TokenEndpoint();
        var api = RecordingEndpoint.Api(async (request, _, cancellationToken) =>
        {
            if (request.Headers.Authorization?.Parameter == "token-1")
            {
                var arrival = Interlocked.Increment(ref arrived);
                if (arrival == Callers)
                {
                    allArrived.TrySetResult();
                }

                await (arrival == 1 ? releaseFirst : releaseRest).Task.WaitAsync(cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.Unauthorized);
            }

            return RecordingEndpoint.Json(HttpStatusCode.OK, "{}");
        });
        await using var provider = new ServiceCollection().AddDeliver(token, api).BuildStrict();
        var client = provider.GetRequiredService<DeliverClient>();

        var calls = Enumerable.Range(0, Callers).Select(_ => client.Http.GetAsync(Balance)).ToList();
        await allArrived.Task.WaitAsync(Limit);
        releaseFirst.SetResult();
        if (restAfterTheNewTokenIsCached)
        {
            // The first request's replay carries token-2, so token-2 is now the cached token.
            await api.WaitForRequestsAsync(Callers + 1);
            Assert.Equal("Bearer token-2", api.Requests[^1].Authorization);
        }

        releaseRest.SetResult();
        var responses = await Task.WhenAll(calls).WaitAsync(Limit);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, token.Count);
        Assert.Equal(2 * Callers, api.Count);
        Assert.Equal(Callers, api.Requests.Count(r => r.Authorization == "Bearer token-2"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    /// <summary>Hands out made-up-1, then made-up-2 after an invalidation, and records what it was told.</summary>
    private sealed class RecordingTokens : IOrumTokenProvider
    {
        private readonly Lock _gate = new();

        public List<OrumAccessToken> Issued { get; } = [];

        public List<OrumAccessToken> Invalidated { get; } = [];

        public ValueTask<OrumAccessToken> GetTokenAsync(CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                if (Issued.Count == Invalidated.Count)
                {
                    Issued.Add(new OrumAccessToken($"made-up-{Issued.Count + 1}", "Bearer", TimeSpan.FromHours(1), DateTimeOffset.UnixEpoch));
                }

                return new ValueTask<OrumAccessToken>(Issued[^1]);
            }
        }

        public void Invalidate(OrumAccessToken rejected)
        {
            lock (_gate)
            {
                Invalidated.Add(rejected);
            }
        }
    }

    private sealed class TrackingContent(string json) : StringContent(json, Encoding.UTF8, "application/json")
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>A stream that can be read once, front to back, and does not know its length: a network upload, say.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
