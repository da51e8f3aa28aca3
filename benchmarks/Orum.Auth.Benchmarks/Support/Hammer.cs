namespace Orum.Auth.Benchmarks.Support;

/// <summary>
/// Dedicated threads that run the same loop at the same moment, started and joined through a <see cref="Barrier"/>:
/// no thread-pool scheduling and no per-run allocation, so what is measured is the loop under contention.
/// </summary>
internal sealed class Hammer : IDisposable
{
    private readonly Thread[] _threads;
    private readonly Barrier _start;
    private readonly Barrier _done;
    private Action? _work;
    private volatile bool _stopping;

    public Hammer(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _start = new Barrier(threads + 1);
        _done = new Barrier(threads + 1);
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"hammer-{i}" };
            _threads[i].Start();
        }
    }

    public int Threads => _threads.Length;

    /// <summary>Runs <paramref name="work"/> on every thread at once and returns when all have finished.</summary>
    public void Run(Action work)
    {
        Volatile.Write(ref _work, work);
        _start.SignalAndWait();
        _done.SignalAndWait();
    }

    public void Dispose()
    {
        _stopping = true;
        _start.SignalAndWait();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _start.Dispose();
        _done.Dispose();
    }

    private void Loop()
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            Volatile.Read(ref _work)!();
            _done.SignalAndWait();
        }
    }
}
