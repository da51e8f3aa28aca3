namespace Orum.Auth.QuickStart;

/// <summary>Counts the requests sent to Orum's token endpoint, so the quick start can show there was only one.</summary>
public sealed class TokenRequestCounter : DelegatingHandler
{
    private static int _count;

    public static int Count => Volatile.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return base.SendAsync(request, cancellationToken);
    }
}
