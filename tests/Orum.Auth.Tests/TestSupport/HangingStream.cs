namespace Orum.Auth.Tests.TestSupport;

/// <summary>
/// A body that sends its prefix, then never another byte: the next read blocks until it is cancelled. It reports the
/// moment it blocks, so a test can then move a fake clock instead of waiting.
/// </summary>
public sealed class HangingStream(ReadOnlyMemory<byte> prefix, Action onBlocked) : ScriptedStream(prefix)
{
    protected override async ValueTask<int> ReadAfterPrefixAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (cancellationToken.Register(() => never.TrySetCanceled(cancellationToken)))
        {
            onBlocked();
            return await never.Task;
        }
    }
}
