using System.Runtime.CompilerServices;

namespace Orum.Auth.Internal;

/// <summary>
/// Sits inside the token client's resilience pipeline and counts the attempts it makes, for the token request span.
/// </summary>
internal sealed class AttemptCountingHandler : DelegatingHandler
{
    internal static readonly HttpRequestOptionsKey<StrongBox<int>> Attempts = new("Orum.Auth.Attempts");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Attempts, out var attempts))
        {
            Interlocked.Increment(ref attempts.Value);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
