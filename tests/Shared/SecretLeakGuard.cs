using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Xunit.Sdk;

// Compiled into every test project (tests/Directory.Build.props): every test runs under the guard.
[assembly: Orum.Auth.Tests.LeakGuard.NoSecretInAnyExceptionAttribute]

namespace Orum.Auth.Tests.LeakGuard;

/// <summary>
/// Scans every exception thrown anywhere in a test process, by the package, the emulator or the tests, for the made-up
/// client secrets and token values the suite uses (<see cref="Canaries"/>): message, <see cref="Exception.Data"/> and
/// inner exceptions. A hit fails the next test to finish, with the exception type and the stack it was thrown from.
/// Exceptions a test constructs but never throws are not seen; <see cref="System.Text.Json.JsonException"/> is skipped.
/// </summary>
public static class SecretLeakGuard
{
    /// <summary>Marks a deliberate leak (see <see cref="SecretLeakGuardTests"/>): its report goes to <see cref="TakeProbe"/>.</summary>
    public const string ProbeKey = "SecretLeakGuard.Probe";

    /// <summary>The secrets and token values of the suite (or distinctive parts of them), matched ignoring case.</summary>
    public static readonly string[] Canaries =
    [
        "test-client-secret-e41b", // TestCredentials.ClientSecret
        "test-token-5a0f",         // TestCredentials.TokenValue
        "DO-NOT-LEAK",             // SecretHygieneTests, SecretLeakTests
        "made-up-secret",
        "made-up-client-secret",
        "made-up-rotated",
        "sandbox-secret-",         // the emulator's generated secrets
    ];

    private static readonly ConcurrentQueue<string> Leaks = new();
    private static readonly ConcurrentDictionary<string, string> Probes = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static bool t_scanning;

    static SecretLeakGuard() => AppDomain.CurrentDomain.FirstChanceException += OnThrown;

    /// <summary>Installs the guard (idempotent: the static constructor does the work).</summary>
    public static void Install()
    {
    }

    /// <summary>Takes every leak reported since the last call.</summary>
    public static List<string> TakeLeaks()
    {
        var taken = new List<string>();
        while (Leaks.TryDequeue(out var leak))
        {
            taken.Add(leak);
        }

        return taken;
    }

    /// <summary>Takes the report of the deliberate leak marked <paramref name="probe"/>, or null when none was seen.</summary>
    public static string? TakeProbe(string probe) => Probes.TryRemove(probe, out var report) ? report : null;

    /// <summary>Where <paramref name="exception"/> (or an inner one) carries a canary, or null.</summary>
    public static string? FindCanary(Exception exception)
    {
        var pending = new Stack<(Exception Exception, string Path)>([(exception, exception.GetType().Name)]);
        while (pending.TryPop(out var item))
        {
            var (ex, path) = item;
            if (HasCanary(ex.Message))
            {
                return $"{path}.Message";
            }

            foreach (DictionaryEntry entry in ex.Data)
            {
                if (HasCanary(entry.Key.ToString()) || HasCanary(entry.Value?.ToString()))
                {
                    return $"{path}.Data";
                }
            }

            if (ex is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push((inner, $"{path} > {inner.GetType().Name}"));
                }
            }
            else if (ex.InnerException is { } inner)
            {
                pending.Push((inner, $"{path} > {inner.GetType().Name}"));
            }
        }

        return null;
    }

    private static bool HasCanary(string? text) =>
        text is not null && Canaries.Any(c => text.Contains(c, StringComparison.OrdinalIgnoreCase));

    private static void OnThrown(object? sender, FirstChanceExceptionEventArgs e)
    {
        // System.Text.Json's own exceptions quote the text they could not parse, and the package catches them where they
        // are thrown (parsing a body): they are scanned only if they escape as the inner exception of another one.
        if (t_scanning || e.Exception is System.Text.Json.JsonException)
        {
            return;
        }

        t_scanning = true;
        try
        {
            if (FindCanary(e.Exception) is not { } where)
            {
                return;
            }

            // The report names where the canary was, never the text that holds it.
            var report = $"{e.Exception.GetType().FullName} was thrown with a made-up secret or token in its {where}, from:{Environment.NewLine}{Environment.StackTrace}";
            if (e.Exception.Data[ProbeKey] is string probe)
            {
                Probes[probe] = report;
            }
            else
            {
                Leaks.Enqueue(report);
            }
        }
        catch
        {
            // A scan must never change what the code under test sees.
        }
        finally
        {
            t_scanning = false;
        }
    }
}

/// <summary>Fails a test when any exception thrown in the process since the previous test finished carried a canary.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class NoSecretInAnyExceptionAttribute : BeforeAfterTestAttribute
{
    public override void Before(MethodInfo methodUnderTest) => SecretLeakGuard.Install();

    public override void After(MethodInfo methodUnderTest)
    {
        var leaks = SecretLeakGuard.TakeLeaks();
        if (leaks.Count > 0)
        {
            // Tests run in parallel: the leak may come from this test or from one running beside it; the stacks tell.
            throw new XunitException(
                $"{leaks.Count} exception(s) thrown while this test or a parallel one ran carried a made-up secret or token:{Environment.NewLine}{string.Join($"{Environment.NewLine}---{Environment.NewLine}", leaks)}");
        }
    }
}

/// <summary>The guard is only worth something if it can fail: deliberate leaks are found wherever they hide.</summary>
public class SecretLeakGuardTests
{
    public static TheoryData<string> Hiding => ["message", "inner-message", "aggregate-inner", "data"];

    [Theory]
    [MemberData(nameof(Hiding))]
    public void AnExceptionCarryingACanary_IsReportedWhenThrown(string hiding)
    {
        SecretLeakGuard.Install();
        var probe = Guid.NewGuid().ToString("N");
        var canary = $"x-{SecretLeakGuard.Canaries[0]}-y";
        Exception leak = hiding switch
        {
            "message" => new InvalidOperationException($"leaked {canary}"),
            "inner-message" => new InvalidOperationException("clean", new IOException($"leaked {canary}")),
            "aggregate-inner" => new AggregateException(new IOException("clean"), new FormatException($"leaked {canary.ToUpperInvariant()}")),
            _ => new InvalidOperationException("clean") { Data = { ["body"] = canary } },
        };
        leak.Data[SecretLeakGuard.ProbeKey] = probe;

        try
        {
            throw leak;
        }
        catch (Exception ex) when (ReferenceEquals(ex, leak))
        {
        }

        var report = SecretLeakGuard.TakeProbe(probe);
        Assert.NotNull(report);
        Assert.DoesNotContain(SecretLeakGuard.Canaries[0], report, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(nameof(AnExceptionCarryingACanary_IsReportedWhenThrown), report, StringComparison.Ordinal);
    }

    [Fact]
    public void ACleanException_IsNotReported()
    {
        Assert.Null(SecretLeakGuard.FindCanary(new InvalidOperationException("clean", new IOException("also clean"))));
        Assert.Equal("InvalidOperationException > IOException.Message", SecretLeakGuard.FindCanary(new InvalidOperationException("clean", new IOException("made-up-secret"))));
    }
}
