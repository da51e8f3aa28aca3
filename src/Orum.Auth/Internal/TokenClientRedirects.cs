using Microsoft.Extensions.Http;

namespace Orum.Auth.Internal;

/// <summary>
/// Keeps every token client from following redirects, whatever primary handler the app gave it: a 307 or 308 would post
/// the same body, client secret included, to whatever host the redirect names. As a handler-builder filter it runs after
/// all of the app's own configuration (<c>ConfigurePrimaryHttpMessageHandler</c>, <c>ConfigureHttpClientDefaults</c>),
/// on the pipeline that is really built; a redirect then surfaces as an <see cref="OrumServerException"/> for its status.
/// </summary>
internal sealed class TokenClientRedirects : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        if (IsTokenClient(builder.Name))
        {
            TurnOff(builder.Name!, builder.PrimaryHandler);

            // Checked again on the first send, in case something changed the pipeline after this filter.
            builder.AdditionalHandlers.Add(new NoRedirectGuard());
        }
    };

    internal static bool IsTokenClient(string? name) =>
        name is not null
        && name.StartsWith(OrumAuthDefaults.TokenHttpClientName, StringComparison.Ordinal)
        && (name.Length == OrumAuthDefaults.TokenHttpClientName.Length || name[OrumAuthDefaults.TokenHttpClientName.Length] == ':');

    /// <summary>The handler that really sends: the primary one, or the one at the end of its chain of delegating handlers.</summary>
    internal static HttpMessageHandler Terminal(HttpMessageHandler handler)
    {
        while (handler is DelegatingHandler { InnerHandler: { } inner })
        {
            handler = inner;
        }

        return handler;
    }

    /// <summary>Whether <paramref name="handler"/> follows redirects; other handler types are the app's own transports.</summary>
    internal static bool FollowsRedirects(HttpMessageHandler handler) => handler switch
    {
        SocketsHttpHandler sockets => sockets.AllowAutoRedirect,
        HttpClientHandler client => client.AllowAutoRedirect,
        _ => false,
    };

    internal static string CannotTurnOff(string clientName, HttpMessageHandler handler, string why) =>
        $"The Orum token HttpClient '{clientName}' sends through a {handler.GetType().Name} that follows redirects and {why}. " +
        "A redirect from the token endpoint would post the client secret to the host it names. Return a new handler from " +
        "TokenHttpClient.ConfigurePrimaryHttpMessageHandler, or set AllowAutoRedirect = false on it before its first request.";

    private static void TurnOff(string clientName, HttpMessageHandler primary)
    {
        var terminal = Terminal(primary);
        try
        {
            switch (terminal)
            {
                case SocketsHttpHandler { AllowAutoRedirect: true } sockets:
                    sockets.AllowAutoRedirect = false;
                    break;
                case HttpClientHandler { AllowAutoRedirect: true } client:
                    client.AllowAutoRedirect = false;
                    break;
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                CannotTurnOff(clientName, terminal, "has already sent requests, so its AllowAutoRedirect can no longer be turned off"), ex);
        }
    }

    /// <summary>Refuses to send a token request through a handler that would follow a redirect.</summary>
    private sealed class NoRedirectGuard : DelegatingHandler
    {
        private volatile bool _checked;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!_checked)
            {
                var terminal = Terminal(InnerHandler!);
                if (FollowsRedirects(terminal))
                {
                    throw new OrumAuthException(
                        CannotTurnOff(OrumAuthDefaults.TokenHttpClientName, terminal, "was put in place after Orum.Auth turned redirects off"));
                }

                _checked = true;
            }

            // The request that reaches the transport (the resilience pipeline may send a copy) is the one the body follows.
            (request.Content as TokenRequestContent)?.BindTo(request);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
