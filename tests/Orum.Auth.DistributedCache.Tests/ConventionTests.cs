using System.Reflection;
using System.Runtime.CompilerServices;

namespace Orum.Auth.DistributedCache.Tests;

/// <summary>The package's shape: a small public surface, everything else internal and sealed, async names end in Async.</summary>
public sealed class ConventionTests
{
    private static readonly Assembly Package = typeof(OrumDistributedTokenCacheOptions).Assembly;

    [Fact]
    public void PublicTypes_AreExactlyTheOptionsAndTheExtensions()
    {
        var exported = Package.GetExportedTypes().Select(t => t.FullName).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["Microsoft.Extensions.DependencyInjection.OrumAuthDistributedCacheExtensions", "Orum.Auth.DistributedCache.OrumDistributedTokenCacheOptions"],
            exported);
    }

    [Fact]
    public void Classes_AreSealedOrStatic()
    {
        var open = Package.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && !t.IsSealed && !t.IsDefined(typeof(CompilerGeneratedAttribute)))
            .Select(t => t.FullName);

        Assert.Empty(open);
    }

    [Fact]
    public void TaskReturningMethods_EndInAsync()
    {
        var misnamed = Package.GetTypes()
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute)))
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName && !m.IsDefined(typeof(CompilerGeneratedAttribute)) && !m.Name.Contains('<', StringComparison.Ordinal))
            .Where(m => typeof(Task).IsAssignableFrom(m.ReturnType) || m.ReturnType == typeof(ValueTask) || (m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
            .Where(m => !m.Name.EndsWith("Async", StringComparison.Ordinal))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}");

        Assert.Empty(misnamed);
    }
}
