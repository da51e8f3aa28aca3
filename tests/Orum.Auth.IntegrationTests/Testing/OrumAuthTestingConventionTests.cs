using System.Reflection;
using Orum.Auth.Testing;

namespace Orum.Auth.IntegrationTests.Testing;

/// <summary>The shape rules of Orum.Auth.Testing, the same as the main package's.</summary>
public sealed class OrumAuthTestingConventionTests
{
    private static readonly Assembly Package = typeof(OrumSandboxServer).Assembly;

    [Fact]
    public void InternalNamespace_HasNoPublicTypes()
    {
        var internalTypes = Package.GetTypes().Where(t => t.Namespace == "Orum.Auth.Testing.Internal").ToList();

        Assert.NotEmpty(internalTypes);
        Assert.DoesNotContain(internalTypes, t => t.IsVisible);
    }

    [Fact]
    public void PublicSurface_IsSmallAndSealed()
    {
        var exported = Package.GetExportedTypes();

        Assert.Equal(
            ["Orum.Auth.Testing.OrumSandboxFault", "Orum.Auth.Testing.OrumSandboxOptions", "Orum.Auth.Testing.OrumSandboxServer"],
            exported.Select(t => t.FullName).Order(StringComparer.Ordinal));
        Assert.All(exported, t => Assert.True(t.IsSealed, $"{t} is not sealed"));
    }

    [Fact]
    public void PublicAsyncMethods_EndInAsync_AndTakeCancellationTokenLast()
    {
        var asyncMethods = Package.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => typeof(Task).IsAssignableFrom(m.ReturnType) && m.Name != nameof(IAsyncDisposable.DisposeAsync))
            .ToList();

        Assert.NotEmpty(asyncMethods);
        Assert.All(asyncMethods, m =>
        {
            Assert.EndsWith("Async", m.Name, StringComparison.Ordinal);
            Assert.Equal(typeof(CancellationToken), m.GetParameters()[^1].ParameterType);
        });
    }
}
