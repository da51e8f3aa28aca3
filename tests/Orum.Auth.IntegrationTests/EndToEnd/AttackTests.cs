using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orum.Auth.IntegrationTests.TestSupport;

namespace Orum.Auth.IntegrationTests.EndToEnd;

/// <summary>
/// Attacks on the package's promises, through its public API only, over loopback sockets (127.0.0.1, .2 and .3 are
/// different hosts). Every test asserts the promise: a failing test is a break. See each test's comment for the scenario.
/// </summary>
[Collection(AttackTests.Alone)]
public sealed class AttackTests
{
    public const string Alone = "Attacks (alone)";

    private static readonly Uri Balance = new("deliver/balance", UriKind.Relative);

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 1/2: tokens go only to allowed origins, on every send.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// An app handler added after the bearer handler (so it runs inside it) moves the request to another host: a
    /// regional router, a traffic mirror, a hand-written redirect follower. The bearer handler checked the URI before it,
    /// not the URI the request is really sent to.
    /// </summary>
    [Fact]
    public async Task InnerAppHandler_RewritesTheUriToAnotherHost_TheOtherHostGetsNoToken()
    {
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var orum = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(200, "{}"));
        var services = Credential(orum.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = orum.BaseAddress)
            .AddOrumBearerTokenHandler()
            .AddHttpMessageHandler(() => new RewriteHandler(uri => new Uri(elsewhere.BaseAddress, uri.PathAndQuery)));
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        var refused = await Record.ExceptionAsync(() => deliver.GetAsync(Balance).Within());

        Assert.IsType<OrumAuthException>(refused); // refused before a byte went there
        Assert.Empty(Issuers(elsewhere.Requests));
    }

    /// <summary>
    /// <c>.AddOrumBearerTokenHandler().AddStandardHedgingHandler(routing)</c>: the natural order of the calls puts the
    /// hedging handler inside the bearer handler. Hedging clones the request (headers included, so the token too) and
    /// routes the hedged attempt to the secondary group's endpoint, which is not an allowed origin.
    /// </summary>
    [Fact]
    public async Task HedgingInsideTheBearerHandler_HedgedAttemptRoutedToAnotherHost_TheOtherHostGetsNoToken()
    {
        await using var secondary = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var orum = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(503));
        var services = Credential(orum.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = orum.BaseAddress)
            .AddOrumBearerTokenHandler()
            .AddStandardHedgingHandler(routing => routing.ConfigureOrderedGroups(o =>
            {
                o.Groups.Add(Group(orum.BaseAddress));
                o.Groups.Add(Group(secondary.BaseAddress));
            }));
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        await SendIgnoringRefusalAsync(deliver, Balance);

        Assert.NotEmpty(orum.ApiRequests);
        Assert.Empty(Issuers(secondary.Requests)); // the hedged attempt was refused before a byte went there
    }

    /// <summary>The same hedging, outside the bearer handler: each clone passes the origin check. Holds.</summary>
    [Fact]
    public async Task HedgingOutsideTheBearerHandler_HedgedAttemptRoutedToAnotherHost_Refused()
    {
        await using var secondary = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var orum = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(503));
        var services = Credential(orum.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = orum.BaseAddress)
            .AddStandardHedgingHandler(routing => routing.ConfigureOrderedGroups(o =>
            {
                o.Groups.Add(Group(orum.BaseAddress));
                o.Groups.Add(Group(secondary.BaseAddress));
            }))
            .Services.AddHttpClient("deliver").AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        await SendIgnoringRefusalAsync(deliver, Balance);

        Assert.NotEmpty(orum.ApiRequests);
        Assert.Empty(secondary.Requests);
    }

    /// <summary>
    /// The standard resilience handler outside or inside the bearer handler; Orum redirects to another host that
    /// answers 503, so every attempt is retried. Retries resend the same request (its URI now the redirect target). Holds:
    /// outside, each attempt is checked; inside, the retried request has no Authorization (the redirect dropped it).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Resilience_RetriesAfterARedirectToAnotherHost_TheOtherHostNeverGetsTheToken(bool outside)
    {
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Response(503));
        await using var orum = new AttackOrum("127.0.0.1", "a", r => LoopbackHttpServer.Redirect(307, new Uri(elsewhere.BaseAddress, r.Target)));
        var services = Credential(orum.BaseAddress);
        var deliverBuilder = services.AddHttpClient("deliver", h => h.BaseAddress = orum.BaseAddress);
        if (outside)
        {
            deliverBuilder.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
            deliverBuilder.AddOrumBearerTokenHandler();
        }
        else
        {
            deliverBuilder.AddOrumBearerTokenHandler();
            deliverBuilder.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
        }

        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        await SendIgnoringRefusalAsync(deliver, Balance);

        Assert.NotEmpty(elsewhere.Requests);
        Assert.Empty(Issuers(elsewhere.Requests));
    }

    public static TheoryData<string> Chains => new()
    {
        "allowed -> same origin (302) -> foreign (307) 401",
        "allowed -> foreign (302) -> back to allowed (302) 401",
        "allowed -> scheme-relative //foreign (301) 401",
        "allowed -> absolute foreign (308) 401",
        "POST json > 64 KiB -> same origin (307) 401",
        "POST json -> foreign (307) 401",
        "POST streamed -> foreign (308) 401",
        "POST -> same origin (303) 401",
    };

    /// <summary>Redirect chains ending in a 401, over real sockets. The foreign host never sees the token. Holds.</summary>
    [Theory]
    [MemberData(nameof(Chains))]
    public async Task RedirectChain_EndingIn401_TheForeignHostNeverGetsTheToken(string chain)
    {
        LoopbackHttpServer? foreignServer = null;
        await using var orum = new AttackOrum("127.0.0.1", "a", r => r.Target switch
        {
            "/deliver/balance" when chain.StartsWith("allowed -> same", StringComparison.Ordinal) => LoopbackHttpServer.Redirect(302, new Uri("/deliver/hop", UriKind.Relative)),
            "/deliver/hop" => LoopbackHttpServer.Redirect(307, new Uri(foreignServer!.BaseAddress, "/deliver/x")),
            "/deliver/balance" when chain.Contains("back to allowed", StringComparison.Ordinal) => LoopbackHttpServer.Redirect(302, new Uri(foreignServer!.BaseAddress, "/bounce")),
            "/deliver/balance" when chain.Contains("scheme-relative", StringComparison.Ordinal) => LoopbackHttpServer.Redirect(301, new Uri($"//{foreignServer!.BaseAddress.Authority}/deliver/x", UriKind.Relative)),
            "/deliver/balance" => LoopbackHttpServer.Redirect(308, new Uri(foreignServer!.BaseAddress, "/deliver/x")),
            "/deliver/persons" when chain.Contains("same origin (307)", StringComparison.Ordinal) => LoopbackHttpServer.Redirect(307, new Uri("/deliver/persons2", UriKind.Relative)),
            "/deliver/persons" when chain.Contains("303", StringComparison.Ordinal) => LoopbackHttpServer.Redirect(303, new Uri("/deliver/persons2", UriKind.Relative)),
            "/deliver/persons" when chain.Contains("(308)", StringComparison.Ordinal) => LoopbackHttpServer.Redirect(308, new Uri(foreignServer!.BaseAddress, "/deliver/persons")),
            "/deliver/persons" => LoopbackHttpServer.Redirect(307, new Uri(foreignServer!.BaseAddress, "/deliver/persons")),
            _ => LoopbackHttpServer.Unauthorized(),
        });
        await using var foreign = LoopbackHttpServer.Start("127.0.0.2", r => r.Target == "/bounce"
            ? LoopbackHttpServer.Redirect(302, new Uri(orum.BaseAddress, "/deliver/back"))
            : LoopbackHttpServer.Unauthorized());
        foreignServer = foreign;
        var services = Credential(orum.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = orum.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        using var request = new HttpRequestMessage(chain.StartsWith("POST", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get, chain.StartsWith("POST", StringComparison.Ordinal) ? "deliver/persons" : "deliver/balance");
        if (chain.Contains("json", StringComparison.Ordinal))
        {
            // Over 64 KiB only on the same origin: the raw test server answers before reading a large body, and the
            // reset would end the call before the redirect to another host is followed.
            request.Content = JsonContent.Create(new { name = new string('x', chain.Contains("> 64 KiB", StringComparison.Ordinal) ? 70 * 1024 : 16) });
        }
        else if (chain.Contains("streamed", StringComparison.Ordinal))
        {
            request.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"name\":\"x\"}")));
        }
        else if (chain.StartsWith("POST", StringComparison.Ordinal))
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await deliver.SendAsync(request).Within();
        }
        catch (HttpRequestException)
        {
            // A body that cannot be sent again on a 307/308 ends here; what matters is where the token went.
        }

        if (chain.Contains("foreign", StringComparison.Ordinal))
        {
            Assert.NotEmpty(foreign.Requests); // the redirect really reached the foreign host
        }

        Assert.Empty(Issuers(foreign.Requests));
        Assert.All(Issuers(orum.ApiRequests), issuer => Assert.Equal("a", issuer));
        Assert.True(orum.TokenRequests <= 2, $"{orum.TokenRequests} token requests");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 1: odd hosts and ports, HTTP to loopback only.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// <c>http://loopback:5080/</c> as the API address: System.Uri rewrites the host name <c>loopback</c> to
    /// <c>localhost</c> (and reports it as loopback), so the request goes to <c>localhost</c>, this machine, and never to
    /// whatever a resolver's search domain could make of <c>loopback</c>. No network: a recording handler.
    /// </summary>
    [Fact]
    public async Task PlainHttpApiAddress_NamedLoopback_GoesOnlyToLocalhost()
    {
        Assert.Equal("localhost", new Uri("http://loopback:5080/").IdnHost); // what the check below relies on
        var wire = new RecordingWire();
        var services = new ServiceCollection();
        services.AddOrumAuth(o =>
            {
                o.ClientId = "made-up-client-id";
                o.ClientSecret = "made-up-client-secret";
                o.ApiBaseAddress = new Uri("http://loopback:5080/");
            })
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => wire);
        services.AddHttpClient("deliver", h => h.BaseAddress = new Uri("http://loopback:5080/"))
            .ConfigurePrimaryHttpMessageHandler(() => wire)
            .AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        await SendIgnoringRefusalAsync(deliver, Balance);

        Assert.NotEmpty(wire.Requests);
        Assert.All(wire.Requests, r => Assert.Equal("localhost", r.Uri.IdnHost));
    }

    public static TheoryData<string?, string, bool> OddHosts => new()
    {
        { null, "https://API-SANDBOX.ORUM.IO/deliver/balance", true },
        { null, "https://api-sandbox.orum.io:443/deliver/balance", true },
        { null, "https://made-up-user@api-sandbox.orum.io/deliver/balance", true }, // user info: still Orum's host
        { null, "https://api-sandbox.orum.io./deliver/balance", false }, // trailing dot: refused (safe)
        { null, "https://api-sandbox.orum.io@evil.example/deliver/balance", false },
        { null, "https://evil.example#@api-sandbox.orum.io/", false },
        { null, "https://api-sandbox.orum.io.evil.example/deliver/balance", false },
        { null, "https://\u0430pi-sandbox.orum.io/deliver/balance", false }, // Cyrillic a
        { null, "https://api-sandbox.orum.io:0443/deliver/balance", true },
        { null, "http://api-sandbox.orum.io/deliver/balance", false },
        { null, "http://api-sandbox.orum.io:443/deliver/balance", false },
        { "http://127.0.0.1:5080/", "http://2130706433:5080/deliver/balance", true }, // the same address, decimal
        { "http://127.0.0.1:5080/", "http://0x7f000001:5080/deliver/balance", true },
        { "http://127.0.0.1:5080/", "http://0177.0.0.1:5080/deliver/balance", true },
        { "http://127.0.0.1:5080/", "http://[::ffff:127.0.0.1]:5080/deliver/balance", false },
        { "http://127.0.0.1:5080/", "http://0.0.0.0:5080/deliver/balance", false },
        { "http://127.0.0.1:5080/", "http://[::1]:5080/deliver/balance", false },
        { "http://127.0.0.1:5080/", "http://localhost:5080/deliver/balance", false },
        { "http://127.0.0.1:5080/", "http://127.0.0.2:5080/deliver/balance", false },
        { "http://127.0.0.1:5080/", "http://127.0.0.1:5080@127.0.0.2:5080/deliver/balance", false },
        { "http://127.0.0.1:5080/", "https://127.0.0.1:5080/deliver/balance", false },
        { "http://[::1]:5080/", "http://[0:0:0:0:0:0:0:1]:5080/deliver/balance", true },
        { "http://localhost:5080/", "http://LOCALHOST:5080/deliver/balance", true },
        { "http://localhost:5080/", "http://localhost.:5080/deliver/balance", false },
    };

    /// <summary>Where the token goes for odd spellings of hosts and ports. Recording handler: no network. Holds.</summary>
    [Theory]
    [MemberData(nameof(OddHosts))]
    public async Task OddHostSpelling_TokenOnlyToTheConfiguredOrigin(string? apiBaseAddress, string url, bool allowed)
    {
        var wire = new RecordingWire();
        await using var provider = RecordedDeliver(wire, o => o.ApiBaseAddress = apiBaseAddress is null ? null : new Uri(apiBaseAddress));
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        var refused = false;
        try
        {
            using var _ = await deliver.GetAsync(new Uri(url)).Within();
        }
        catch (OrumAuthException)
        {
            refused = true;
        }

        var api = wire.Requests.Where(r => !r.Uri.AbsolutePath.EndsWith("/oauth/token", StringComparison.Ordinal)).ToList();
        Assert.Equal(!allowed, refused);
        Assert.Equal(allowed ? 1 : 0, api.Count);
    }

    public static TheoryData<string> BadAllowedHosts => new()
    {
        "", " ", "*.orum.io", "*", "evil.example/", "https://evil.example", "user@evil.example", "evil.example:", "evil.example:0",
        "evil.example:65536", "evil.example:-1", "evil.example?x", "evil.example#x", "evil%2eexample", "evil .example", "[::1", "evil.example:443:443",
    };

    /// <summary>AdditionalAllowedHosts entries that are no origin stop start-up. Holds.</summary>
    [Theory]
    [MemberData(nameof(BadAllowedHosts))]
    public async Task AdditionalAllowedHosts_EntryThatIsNoOrigin_RefusedByValidation(string entry)
    {
        var wire = new RecordingWire();
        await using var provider = RecordedDeliver(wire, o => o.AdditionalAllowedHosts.Add(entry));

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>().CurrentValue);
    }

    /// <summary>Whitespace, duplicates and case variants of one entry allow that origin only. Holds.</summary>
    [Fact]
    public async Task AdditionalAllowedHosts_WhitespaceDuplicatesAndCase_AllowOnlyThatOrigin()
    {
        var wire = new RecordingWire();
        await using var provider = RecordedDeliver(wire, o =>
        {
            o.AdditionalAllowedHosts.Add("  gateway.example.com\t");
            o.AdditionalAllowedHosts.Add("GATEWAY.example.com:443");
            o.AdditionalAllowedHosts.Add("gateway.example.com");
        });
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        using var ok = await deliver.GetAsync(new Uri("https://gateway.example.com/x")).Within();
        await Assert.ThrowsAsync<OrumAuthException>(() => deliver.GetAsync(new Uri("https://gateway.example.com:8443/x")).Within());
        await Assert.ThrowsAsync<OrumAuthException>(() => deliver.GetAsync(new Uri("http://gateway.example.com/x")).Within());
        await Assert.ThrowsAsync<OrumAuthException>(() => deliver.GetAsync(new Uri("https://sub.gateway.example.com/x")).Within());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 3: reloads.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// A reload moves ApiBaseAddress from a to b with a new credential. OptionsMonitor updates what Get returns before it
    /// calls the OnChange listeners, in the order they subscribed, so a listener the app subscribed first (here one that
    /// takes a moment, as one writing an audit record would) holds a window open. The token client, the cache and the
    /// handler all read one credential state, switched in their own listener: in the window a request to a gets a's token,
    /// never one minted by b for the new credential.
    /// </summary>
    [Fact]
    public async Task Reload_AToB_RequestDuringTheReload_AGetsNoTokenMintedForTheNewCredential()
    {
        await using var a = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var b = new AttackOrum("127.0.0.3", "b", _ => LoopbackHttpServer.Response(200, "{}"));
        var (configuration, services) = ConfiguredCredential(a.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = a.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>();

        var inListener = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var armed = 0;
        using var appListener = monitor.OnChange((_, _) =>
        {
            if (Interlocked.Exchange(ref armed, 0) == 1)
            {
                inListener.TrySetResult();
                release.Wait(Bounded.Timeout);
            }
        });
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver"); // the handler exists

        MoveTo(configuration, b.BaseAddress);
        Volatile.Write(ref armed, 1);
        var reloading = Task.Run(configuration.Reload);
        await inListener.Task.Within();
        try
        {
            await SendIgnoringRefusalAsync(deliver, new Uri(a.BaseAddress, "deliver/balance"));
        }
        finally
        {
            release.Set();
            await reloading.Within();
        }

        // While the app's listener held the reload, Orum.Auth had not switched yet: a, with a's token. After it, b only.
        Assert.Equal(0, b.TokenRequests);
        Assert.NotEmpty(a.ApiRequests);
        Assert.DoesNotContain("b", Issuers(a.ApiRequests)); // a never gets a token minted by b for the new credential
    }

    /// <summary>
    /// IOptionsMonitorCache.TryRemove (the documented way to make IOptionsMonitor recompute options) changes what Get
    /// returns but raises no OnChange. Orum.Auth follows reloads only through OnChange, all its parts together, so nothing
    /// splits: a keeps getting a's token, and b is still refused.
    /// </summary>
    [Fact]
    public async Task OptionsRecomputedWithoutOnChange_AToB_AGetsNoTokenMintedForTheNewCredential()
    {
        await using var a = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var b = new AttackOrum("127.0.0.3", "b", _ => LoopbackHttpServer.Response(200, "{}"));
        var (configuration, services) = ConfiguredCredential(a.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = a.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        MoveTo(configuration, b.BaseAddress);
        provider.GetRequiredService<IOptionsMonitorCache<OrumAuthOptions>>().TryRemove(Options.DefaultName);
        await SendIgnoringRefusalAsync(deliver, new Uri(a.BaseAddress, "deliver/balance"));
        await SendIgnoringRefusalAsync(deliver, new Uri(a.BaseAddress, "deliver/balance"));
        var toB = await Record.ExceptionAsync(() => deliver.GetAsync(new Uri(b.BaseAddress, "deliver/balance")).Within());

        // No OnChange, so no reload as far as Orum.Auth is concerned: the token client, the cache and the handler all keep
        // a and its credential, together.
        Assert.Equal(0, b.TokenRequests);
        Assert.IsType<OrumAuthException>(toB);
        Assert.Empty(b.ApiRequests);
        Assert.NotEmpty(a.ApiRequests);
        Assert.DoesNotContain("b", Issuers(a.ApiRequests)); // a never gets a token minted by b for the new credential
    }

    /// <summary>
    /// A request to a is in flight when the reload moves the credential to b; a then answers 401. The replay must not
    /// go to a (it is no longer allowed) and a must never see a token minted by b. Holds.
    /// </summary>
    [Fact]
    public async Task Reload_AToB_InFlightRequestToAAnswers401_NoReplayToA()
    {
        using var answer = new ManualResetEventSlim();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = new AttackOrum("127.0.0.1", "a", _ =>
        {
            arrived.TrySetResult();
            answer.Wait(Bounded.Timeout);
            return LoopbackHttpServer.Unauthorized();
        });
        await using var b = new AttackOrum("127.0.0.3", "b", _ => LoopbackHttpServer.Response(200, "{}"));
        var (configuration, services) = ConfiguredCredential(a.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = a.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        var call = deliver.GetAsync(new Uri(a.BaseAddress, "deliver/balance"));
        await arrived.Task.Within();
        MoveTo(configuration, b.BaseAddress);
        configuration.Reload();
        answer.Set();
        using var response = await call.Within();
        using var toB = await deliver.GetAsync(new Uri(b.BaseAddress, "deliver/balance")).Within();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(a.ApiRequests);
        Assert.Equal(1, a.TokenRequests);
        Assert.Equal(HttpStatusCode.OK, toB.StatusCode);
        Assert.Equal(["b"], Issuers(b.ApiRequests));
    }

    /// <summary>
    /// A reload that fails validation (a wildcard in AdditionalAllowedHosts) together with a move to b: OptionsMonitor
    /// raises no OnChange, so the handler keeps a. a must still get only tokens a minted. Holds (observed: the cached
    /// token keeps going to a; new token requests fail with the validation message).
    /// </summary>
    [Fact]
    public async Task Reload_ThatFailsValidation_NoTokenMintedByTheNewHostGoesToTheOldOne()
    {
        await using var a = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var b = new AttackOrum("127.0.0.3", "b", _ => LoopbackHttpServer.Response(200, "{}"));
        var (configuration, services) = ConfiguredCredential(a.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = a.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        using var before = await deliver.GetAsync(Balance).Within();

        MoveTo(configuration, b.BaseAddress);
        configuration["Orum:AdditionalAllowedHosts:0"] = "*.example.com";
        try
        {
            configuration.Reload();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            // OptionsMonitor rethrows the validation failure from the reload callback.
        }

        await SendIgnoringRefusalAsync(deliver, new Uri(a.BaseAddress, "deliver/balance"), alsoIgnore: typeof(OptionsValidationException));
        await SendIgnoringRefusalAsync(deliver, new Uri(b.BaseAddress, "deliver/balance"), alsoIgnore: typeof(OptionsValidationException));

        Assert.Equal(Enumerable.Repeat("a", a.ApiRequests.Count), Issuers(a.ApiRequests));
        Assert.Equal(0, b.TokenRequests);
    }

    /// <summary>Named credentials: a reload of "payouts" moves only its handler; the default credential is untouched. Holds.</summary>
    [Fact]
    public async Task NamedCredential_ReloadMovesOnlyItsOwnOrigins()
    {
        await using var a = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var b = new AttackOrum("127.0.0.3", "b", _ => LoopbackHttpServer.Response(200, "{}"));
        await using var d = new AttackOrum("127.0.0.4", "d", _ => LoopbackHttpServer.Response(200, "{}"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orum:Payouts:ClientId"] = "made-up-client-id",
            ["Orum:Payouts:ClientSecret"] = "made-up-client-secret",
            ["Orum:Payouts:ApiBaseAddress"] = a.BaseAddress.AbsoluteUri,
        }).Build();
        var services = Credential(d.BaseAddress);
        services.AddOrumAuth("payouts", configuration.GetSection("Orum:Payouts"));
        services.AddHttpClient("payouts").AddOrumBearerTokenHandler("payouts");
        services.AddHttpClient("deliver").AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var payouts = provider.GetRequiredService<IHttpClientFactory>().CreateClient("payouts");
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        using var first = await payouts.GetAsync(new Uri(a.BaseAddress, "deliver/balance")).Within();

        configuration["Orum:Payouts:ApiBaseAddress"] = b.BaseAddress.AbsoluteUri;
        configuration.Reload();

        await Assert.ThrowsAsync<OrumAuthException>(() => payouts.GetAsync(new Uri(a.BaseAddress, "deliver/balance")).Within());
        await Assert.ThrowsAsync<OrumAuthException>(() => payouts.GetAsync(new Uri(d.BaseAddress, "deliver/balance")).Within());
        await Assert.ThrowsAsync<OrumAuthException>(() => deliver.GetAsync(new Uri(b.BaseAddress, "deliver/balance")).Within());
        using var toB = await payouts.GetAsync(new Uri(b.BaseAddress, "deliver/balance")).Within();
        using var toD = await deliver.GetAsync(new Uri(d.BaseAddress, "deliver/balance")).Within();

        Assert.Single(a.ApiRequests);
        Assert.Equal(["b"], Issuers(b.ApiRequests));
        Assert.Equal(["d"], Issuers(d.ApiRequests));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 4: the token request never follows a redirect.
    // ---------------------------------------------------------------------------------------------------------------

    public static TheoryData<string, int> TokenPrimaryHandlers => new()
    {
        { "HttpClientHandler subclass", 307 },
        { "SocketsHttpHandler via UseSocketsHttpHandler", 308 },
        { "ConfigureHttpClientDefaults after AddOrumAuth", 307 },
        { "handler shared with an app client, not yet used", 307 },
        { "app filter registered after AddOrumAuth swaps the primary", 307 },
        { "two DelegatingHandlers over SocketsHttpHandler", 308 },
        { "SocketsHttpHandler", 301 },
        { "SocketsHttpHandler", 303 },
    };

    /// <summary>Token endpoint redirects, with the primary handler configured in more ways. Holds.</summary>
    [Theory]
    [MemberData(nameof(TokenPrimaryHandlers))]
    public async Task TokenRequest_EndpointRedirects_SecretNeverFollows(string primary, int status)
    {
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Token("test-token-5a0f-elsewhere"));
        await using var endpoint = LoopbackHttpServer.Start("127.0.0.1", r => LoopbackHttpServer.Redirect(status, new Uri(elsewhere.BaseAddress, r.Target)));
        var shared = new SocketsHttpHandler();
        var services = new ServiceCollection();
        var auth = services.AddOrumAuth(o =>
        {
            o.ClientId = "made-up-client-id";
            o.ClientSecret = "made-up-client-secret";
            o.ApiBaseAddress = endpoint.BaseAddress;
        });
        switch (primary)
        {
            case "HttpClientHandler subclass":
                auth.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => new AppClientHandler());
                break;
            case "SocketsHttpHandler via UseSocketsHttpHandler":
                auth.TokenHttpClient.UseSocketsHttpHandler((h, _) => h.AllowAutoRedirect = true);
                break;
            case "ConfigureHttpClientDefaults after AddOrumAuth":
                services.ConfigureHttpClientDefaults(h => h.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = true }));
                break;
            case "handler shared with an app client, not yet used":
                auth.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => shared);
                services.AddHttpClient("app").ConfigurePrimaryHttpMessageHandler(() => shared);
                break;
            case "app filter registered after AddOrumAuth swaps the primary":
                services.AddSingleton<IHttpMessageHandlerBuilderFilter>(new SwapPrimaryFilter(() => new SocketsHttpHandler()));
                break;
            case "two DelegatingHandlers over SocketsHttpHandler":
                auth.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => new PassThrough { InnerHandler = new PassThrough { InnerHandler = new SocketsHttpHandler() } });
                break;
            default:
                auth.TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler());
                break;
        }

        await using var provider = services.BuildServiceProvider();

        await Assert.ThrowsAnyAsync<OrumAuthException>(() => provider.GetRequiredService<IOrumTokenClient>().RequestTokenAsync().Within());

        Assert.Empty(elsewhere.Requests);
        shared.Dispose();
    }

    /// <summary>
    /// The app's own IHttpMessageHandlerBuilderFilter, registered before AddOrumAuth, swaps in a new SocketsHttpHandler
    /// after Orum.Auth's filter ran. The promise: a pipeline that would follow redirects fails start-up (ValidateOnStart)
    /// with a message saying what to do.
    /// </summary>
    [Fact]
    public async Task TokenRequest_AppFilterBeforeAddOrumAuthSwapsThePrimary_StartUpFails()
    {
        await using var endpoint = LoopbackHttpServer.Start("127.0.0.1", _ => LoopbackHttpServer.Token("test-token-5a0f-1"));
        var services = new ServiceCollection();
        services.AddSingleton<IHttpMessageHandlerBuilderFilter>(new SwapPrimaryFilter(() => new SocketsHttpHandler()));
        services.AddOrumAuth(o =>
        {
            o.ClientId = "made-up-client-id";
            o.ClientSecret = "made-up-client-secret";
            o.ApiBaseAddress = endpoint.BaseAddress;
        });
        await using var provider = services.BuildServiceProvider();

        var startUp = Record.Exception(() => provider.GetRequiredService<IStartupValidator>().Validate());
        var firstToken = await Record.ExceptionAsync(() => provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask().Within());

        Assert.True(startUp is not null, $"Start-up passed; the first token request then failed with: {firstToken?.GetType().Name}: {firstToken?.Message}");
    }

    /// <summary>The same filter: whatever happens at start-up, the secret never follows a 307. Holds.</summary>
    [Fact]
    public async Task TokenRequest_AppFilterBeforeAddOrumAuthSwapsThePrimary_SecretNeverFollows()
    {
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Token("test-token-5a0f-elsewhere"));
        await using var endpoint = LoopbackHttpServer.Start("127.0.0.1", r => LoopbackHttpServer.Redirect(307, new Uri(elsewhere.BaseAddress, r.Target)));
        var services = new ServiceCollection();
        services.AddSingleton<IHttpMessageHandlerBuilderFilter>(new SwapPrimaryFilter(() => new SocketsHttpHandler()));
        services.AddOrumAuth(o =>
        {
            o.ClientId = "made-up-client-id";
            o.ClientSecret = "made-up-client-secret";
            o.ApiBaseAddress = endpoint.BaseAddress;
        });
        await using var provider = services.BuildServiceProvider();

        await Record.ExceptionAsync(() => provider.GetRequiredService<IOrumTokenClient>().RequestTokenAsync().Within());

        Assert.Empty(elsewhere.Requests);
    }

    /// <summary>
    /// A primary handler that is not a DelegatingHandler but sends through a redirect-following SocketsHttpHandler of its
    /// own (an mTLS or proxy wrapper written over HttpMessageInvoker). Neither the filter nor the first-send guard can see
    /// inside it, and start-up passes: the 307 posts the client secret to the host it names.
    /// </summary>
    [Fact]
    public async Task TokenRequest_PrimaryHandlerWrappingSocketsHttpHandlerWithoutDelegatingHandler_SecretNeverFollows()
    {
        await using var elsewhere = LoopbackHttpServer.Start("127.0.0.2", _ => LoopbackHttpServer.Token("test-token-5a0f-elsewhere"));
        await using var endpoint = LoopbackHttpServer.Start("127.0.0.1", r => LoopbackHttpServer.Redirect(307, new Uri(elsewhere.BaseAddress, r.Target)));
        var services = new ServiceCollection();
        services.AddOrumAuth(o =>
            {
                o.ClientId = "made-up-client-id";
                o.ClientSecret = "made-up-client-secret";
                o.ApiBaseAddress = endpoint.BaseAddress;
            })
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => new InvokerTransport(new SocketsHttpHandler()));
        await using var provider = services.BuildServiceProvider();

        var startUp = Record.Exception(() => provider.GetRequiredService<IStartupValidator>().Validate());
        if (startUp is null)
        {
            await Record.ExceptionAsync(() => provider.GetRequiredService<IOrumTokenClient>().RequestTokenAsync().Within());
        }

        Assert.False(elsewhere.Requests.Any(r => r.Body.Contains("made-up-client-secret", StringComparison.Ordinal)), $"the client secret was posted to {elsewhere.BaseAddress} ({elsewhere.Requests.Count} request(s)); start-up validation passed: {startUp is null}");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Promise 5: no secret or token in logs, exception messages, ToString().
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// A careless app logs the request of a failed call (<c>logger.LogWarning("{Request} failed", response.RequestMessage)</c>).
    /// The bearer handler leaves its Authorization header on the caller's HttpRequestMessage, whose ToString() prints it.
    /// </summary>
    [Fact]
    public async Task CarelessApp_LogsResponseRequestMessage_NoToken()
    {
        await using var orum = new AttackOrum("127.0.0.1", "a", _ => LoopbackHttpServer.Response(500, """{"error_code":"internal","message":"x"}"""));
        var services = Credential(orum.BaseAddress);
        services.AddHttpClient("deliver", h => h.BaseAddress = orum.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");

        using var response = await deliver.GetAsync(Balance).Within();
        var error = await Assert.ThrowsAnyAsync<OrumApiException>(() => response.EnsureOrumSuccessAsync().Within());

        Assert.False(error.ToString().Contains("test-token-5a0f", StringComparison.Ordinal), "OrumApiException.ToString() shows the token");
        Assert.False(response.ToString().Contains("test-token-5a0f", StringComparison.Ordinal), "HttpResponseMessage.ToString() shows the token");
        Assert.False(response.RequestMessage!.ToString().Contains("test-token-5a0f", StringComparison.Ordinal), "response.RequestMessage.ToString() shows the raw bearer token (Authorization: Bearer …)");
    }

    /// <summary>
    /// Every path above at Trace level into FakeLogCollector, including HttpClientFactory's own records: refused host,
    /// redirect resend, 401 replay. No record, message or
    /// exception carries the secret or a token. Holds.
    /// </summary>
    [Fact]
    public async Task TraceLogsAndExceptions_AcrossRefusalRedirectAndReplay_NoSecretOrToken()
    {
        var replayed = 0;
        await using var orum = new AttackOrum("127.0.0.1", "a", r => r.Target switch
        {
            "/deliver/balance" => LoopbackHttpServer.Redirect(302, new Uri("/deliver/v2", UriKind.Relative)),
            "/deliver/v2" when r.Authorization is not null && Interlocked.Increment(ref replayed) == 1 => LoopbackHttpServer.Unauthorized(),
            "/deliver/v2" when r.Authorization is not null => LoopbackHttpServer.Response(200, "{}"),
            _ => LoopbackHttpServer.Unauthorized(),
        });
        var services = Credential(orum.BaseAddress);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        services.AddHttpClient("deliver", h => h.BaseAddress = orum.BaseAddress).AddOrumBearerTokenHandler();
        await using var provider = services.BuildServiceProvider();
        var deliver = provider.GetRequiredService<IHttpClientFactory>().CreateClient("deliver");
        var texts = new List<string>();

        using (var ok = await deliver.GetAsync(Balance).Within())
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            texts.Add(ok.ToString());
        }

        var refused = await Assert.ThrowsAsync<OrumAuthException>(() => deliver.GetAsync(new Uri("http://someone:pw@127.0.0.2:1/x")).Within());
        texts.Add(refused.ToString());
        texts.Add(provider.GetRequiredService<IOptionsMonitor<OrumAuthOptions>>().CurrentValue.ToString());
        texts.Add((await provider.GetRequiredService<IOrumTokenProvider>().GetTokenAsync().AsTask().Within()).ToString());
        foreach (var record in provider.GetFakeLogCollector().GetSnapshot())
        {
            texts.Add(record.Message);
            texts.Add(record.Exception?.ToString() ?? string.Empty);
            foreach (var pair in record.StructuredState ?? [])
            {
                texts.Add($"{pair.Key}={pair.Value}");
            }
        }

        Assert.Contains(provider.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Trace); // Trace was on
        Assert.Equal(2, orum.TokenRequests); // the replay really happened
        Assert.False(texts.Any(t => t.Contains("made-up-client-secret", StringComparison.Ordinal)), "a log record, message or ToString() shows the client secret");
        Assert.False(texts.Any(t => t.Contains("test-token-5a0f-a", StringComparison.Ordinal)), "a log record, message or ToString() shows a token");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Who minted each token a host received ("a", "b", …), never the token: assertion messages must not carry one.</summary>
    private static List<string> Issuers(IEnumerable<ReceivedRequest> requests) =>
        [.. requests.Select(r => r.Authorization).OfType<string>().Select(value =>
            value.StartsWith("Bearer test-token-5a0f-", StringComparison.Ordinal) ? value["Bearer test-token-5a0f-".Length..].Split('-')[0] : "(another token)")];

    private static ServiceCollection Credential(Uri api)
    {
        var services = new ServiceCollection();
        services.AddOrumAuth(o =>
        {
            o.ClientId = "made-up-client-id";
            o.ClientSecret = "made-up-client-secret";
            o.ApiBaseAddress = api;
        });
        return services;
    }

    private static (IConfigurationRoot Configuration, ServiceCollection Services) ConfiguredCredential(Uri api)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orum:ClientId"] = "made-up-client-id",
            ["Orum:ClientSecret"] = "made-up-client-secret",
            ["Orum:ApiBaseAddress"] = api.AbsoluteUri,
        }).Build();
        var services = new ServiceCollection();
        services.AddOrumAuth(configuration.GetSection("Orum"));
        return (configuration, services);
    }

    private static void MoveTo(IConfigurationRoot configuration, Uri api)
    {
        configuration["Orum:ApiBaseAddress"] = api.AbsoluteUri;
        configuration["Orum:ClientId"] = "made-up-client-id-2";
        configuration["Orum:ClientSecret"] = "made-up-rotated-secret";
    }

    private static ServiceProvider RecordedDeliver(RecordingWire wire, Action<OrumAuthOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddOrumAuth(o =>
            {
                o.ClientId = "made-up-client-id";
                o.ClientSecret = "made-up-client-secret";
                configure(o);
            })
            .TokenHttpClient.ConfigurePrimaryHttpMessageHandler(() => wire);
        services.AddHttpClient("deliver").ConfigurePrimaryHttpMessageHandler(() => wire).AddOrumBearerTokenHandler();
        return services.BuildServiceProvider();
    }

    private static UriEndpointGroup Group(Uri endpoint) => new() { Endpoints = { new WeightedUriEndpoint { Uri = endpoint } } };

    private static async Task SendIgnoringRefusalAsync(HttpClient client, Uri uri, Type? alsoIgnore = null)
    {
        try
        {
            using var _ = await client.GetAsync(uri).Within();
        }
        catch (Exception ex) when (ex is OrumAuthException or HttpRequestException || ex.GetType() == alsoIgnore)
        {
            // Refused, or the transport failed: what matters is what each host received.
        }
    }

    /// <summary>
    /// Orum on a loopback address: <c>POST /oauth/token</c> issues <c>test-token-5a0f-{tag}-{n}</c> and records the body;
    /// everything else is the test's.
    /// </summary>
    private sealed class AttackOrum : IAsyncDisposable
    {
        private readonly Func<ReceivedRequest, string> _api;
        private readonly string _tag;
        private int _issued;

        public AttackOrum(string address, string tag, Func<ReceivedRequest, string> api)
        {
            _api = api;
            _tag = tag;
            Server = LoopbackHttpServer.Start(address, Respond);
        }

        public LoopbackHttpServer Server { get; }

        public Uri BaseAddress => Server.BaseAddress;

        public int TokenRequests => Volatile.Read(ref _issued);

        public IReadOnlyList<ReceivedRequest> ApiRequests => [.. Server.Requests.Where(r => r.Target != "/oauth/token")];

        public ValueTask DisposeAsync() => Server.DisposeAsync();

        private string Respond(ReceivedRequest request) =>
            request.Target == "/oauth/token"
                ? LoopbackHttpServer.Token($"test-token-5a0f-{_tag}-{Interlocked.Increment(ref _issued)}")
                : _api(request);
    }

    /// <summary>A primary handler that sends nothing: it records, answers the token endpoint with a token and the rest with 200.</summary>
    private sealed class RecordingWire : HttpMessageHandler
    {
        private int _issued;

        public ConcurrentQueue<(Uri Uri, string? Authorization, string Body)> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Enqueue((request.RequestUri!, request.Headers.Authorization?.ToString(), body));
            var content = request.RequestUri!.AbsolutePath.EndsWith("/oauth/token", StringComparison.Ordinal)
                ? $$"""{"access_token":"test-token-5a0f-w-{{Interlocked.Increment(ref _issued)}}","token_type":"Bearer","expires_in":3600}"""
                : "{}";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(content, Encoding.UTF8, "application/json"), RequestMessage = request };
        }
    }

    private sealed class RewriteHandler(Func<Uri, Uri> rewrite) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = rewrite(request.RequestUri!);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class SwapPrimaryFilter(Func<HttpMessageHandler> create) : IHttpMessageHandlerBuilderFilter
    {
        public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
        {
            next(builder);
            if (builder.Name?.StartsWith(OrumAuthDefaults.TokenHttpClientName, StringComparison.Ordinal) == true)
            {
                builder.PrimaryHandler = create();
            }
        };
    }

    private sealed class InvokerTransport(HttpMessageHandler inner) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _invoker = new(inner);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invoker.SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _invoker.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class AppClientHandler : HttpClientHandler;

    private sealed class PassThrough : DelegatingHandler;
}

/// <summary>The attacks run alone: the leak guard attributes a leaked canary to whichever test finishes next.</summary>
[CollectionDefinition(AttackTests.Alone, DisableParallelization = true)]
public sealed class AttackTestsAlone;
