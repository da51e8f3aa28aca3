using System.Reflection;
using System.Runtime.CompilerServices;

namespace Orum.Auth.Tests;

/// <summary>The package's shape rules, checked by reflection so a new type cannot break them unnoticed.</summary>
public class ConventionTests
{
    private static readonly Assembly Package = typeof(OrumAuthClient).Assembly;

    [Fact]
    public void InternalNamespace_HasNoPublicTypes()
    {
        var offenders = Package.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Orum.Auth.Internal", StringComparison.Ordinal) == true && t.IsVisible)
            .Select(t => t.FullName);

        Assert.Empty(offenders);
    }

    [Fact]
    public void PublicConcreteClasses_AreSealedOrStatic_ExceptExceptions()
    {
        Assert.Empty(UnsealedPublicClasses(Package));
    }

    [Fact]
    public void PublicAsyncMethods_EndInAsync_AndTakeCancellationTokenLast()
    {
        Assert.Empty(AsyncConventionViolations(Package));
    }

    [Fact]
    public void ConventionChecks_CatchViolations()
    {
        // The checks above are only worth something if they can fail: run them on types that break each rule.
        var fixtures = typeof(ConventionTests).Assembly;
        Assert.Contains(typeof(Fixtures.UnsealedService).FullName, UnsealedPublicClasses(fixtures));
        Assert.DoesNotContain(typeof(Fixtures.CustomException).FullName, UnsealedPublicClasses(fixtures));
        var violations = AsyncConventionViolations(fixtures).ToList();
        Assert.Contains(violations, v => v.Contains(nameof(Fixtures.UnsealedService.Fetch), StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(nameof(Fixtures.UnsealedService.NoTokenAsync), StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(nameof(Fixtures.UnsealedService.TokenFirstAsync), StringComparison.Ordinal));
        Assert.DoesNotContain(violations, v => v.Contains(nameof(Fixtures.UnsealedService.GoodAsync), StringComparison.Ordinal));
    }

    private static IEnumerable<string?> UnsealedPublicClasses(Assembly assembly) =>
        assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract && !t.IsSealed && !typeof(Exception).IsAssignableFrom(t))
            .Where(t => t.GetCustomAttribute<CompilerGeneratedAttribute>() is null)
            .Select(t => t.FullName);

    private static IEnumerable<string> AsyncConventionViolations(Assembly assembly)
    {
        foreach (var type in assembly.GetExportedTypes())
        {
            var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => !m.IsSpecialName && IsAwaitable(m.ReturnType));
            foreach (var method in methods)
            {
                var name = $"{type.FullName}.{method.Name}";
                if (!method.Name.EndsWith("Async", StringComparison.Ordinal))
                {
                    yield return $"{name} returns a task but does not end in Async";
                }

                var parameters = method.GetParameters();
                if (parameters.Length == 0 || parameters[^1].ParameterType != typeof(CancellationToken))
                {
                    yield return $"{name} does not take a CancellationToken as its last parameter";
                }
            }
        }
    }

    private static bool IsAwaitable(Type type) =>
        type == typeof(Task) || type == typeof(ValueTask)
        || (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)));
}
