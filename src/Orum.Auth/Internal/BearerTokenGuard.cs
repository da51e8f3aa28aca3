using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Logging;

namespace Orum.Auth.Internal;

/// <summary>
/// Handlers an app adds after <c>AddOrumBearerTokenHandler()</c> run inside the bearer handler and see the request with
/// its token: one that sends it on elsewhere (a rewrite of the URI, a hedging handler routing attempts to another host)
/// would take the token along. On every client whose pipeline has such a handler below the bearer handler, this filter
/// puts a guard at the end of the chain that refuses, before a byte is sent, a request carrying a token to an origin the
/// credential does not allow. Clients without one (the usual case) get no guard and pay nothing.
/// </summary>
internal sealed class BearerTokenGuard : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        var handlers = builder.AdditionalHandlers;
        var bearer = -1;
        for (var i = 0; i < handlers.Count; i++)
        {
            if (handlers[i] is OrumBearerTokenHandler)
            {
                bearer = i;
            }
        }

        if (bearer < 0)
        {
            return;
        }

        var below = builder.PrimaryHandler is DelegatingHandler;
        for (var i = bearer + 1; i < handlers.Count && !below; i++)
        {
            // HttpClientFactory's own logging handlers never change where a request goes.
            below = handlers[i] is not (LoggingHttpMessageHandler or LoggingScopeHttpMessageHandler);
        }

        if (below)
        {
            handlers.Add(new Guard((OrumBearerTokenHandler)handlers[bearer]));
        }
    };

    private sealed class Guard(OrumBearerTokenHandler bearer) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.Authorization is not null && request.RequestUri is { IsAbsoluteUri: true } uri && !bearer.Settings.Policy.Allows(uri))
            {
                var origin = OrumOrigin.Describe(uri);
                Log.HostRefused(bearer.Logger, origin);
                throw new OrumAuthException(
                    $"Refused to send an Orum token to {origin}: a handler added after AddOrumBearerTokenHandler() sent the request on " +
                    "there, and tokens go only to the credential's origins. Add that handler before AddOrumBearerTokenHandler(), or " +
                    "the host to OrumAuthOptions.AdditionalAllowedHosts if it should get the token.");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
