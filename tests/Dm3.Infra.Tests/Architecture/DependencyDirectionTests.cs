using System.Reflection;

namespace Dm3.Infra.Tests.Architecture;

/// <summary>
/// Keeps the dependency direction of conventions.md true: endpoints → use cases → ports ← adapters;
/// everything may use Protocol; Protocol uses nothing of ours and does no I/O.
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly Assembly Protocol = typeof(Dm3.Protocol.ProtocolError).Assembly;
    private static readonly Assembly Backend = typeof(Dm3.Backend.Storage.ITableStore).Assembly;
    private static readonly Assembly Adapters = typeof(Dm3.Adapters.Queues.IStorageQueueClient).Assembly;
    private static readonly Assembly App = typeof(Dm3.App.Composition.Features).Assembly;
    private static readonly Assembly Host = typeof(Dm3.Host.Program).Assembly;

    private static string[] References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    [Fact]
    public void Protocol_references_nothing_of_ours_and_no_io_or_hosting_framework()
    {
        var refs = References(Protocol);
        Assert.DoesNotContain(refs, r => r.StartsWith("Dm3.", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.Extensions", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.StartsWith("Azure", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r is "System.Net.Http" or "System.Net.Sockets" or "System.Net.Primitives");
        Assert.Contains("BouncyCastle.Cryptography", refs); // the managed crypto provider
        Assert.DoesNotContain("Sodium.Core", refs);         // native libsodium lives in Dm3.Protocol.Sodium: Protocol loads in a browser
    }

    [Fact]
    public void Backend_depends_only_on_Protocol_and_abstractions()
    {
        var refs = References(Backend);
        Assert.Equal(["Dm3.Protocol"], refs.Where(r => r.StartsWith("Dm3.", StringComparison.Ordinal)));
        Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.StartsWith("Azure", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.StartsWith("Polly", StringComparison.Ordinal));
    }

    [Fact]
    public void Adapters_implement_ports_and_never_reach_the_app()
    {
        var refs = References(Adapters);
        Assert.Contains("Dm3.Backend", refs);
        Assert.DoesNotContain("Dm3.App", refs);
        Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shared_app_knows_neither_host()
    {
        // Dm3.App is what both hosts run: the Functions worker SDK stays in Dm3.Functions, Kestrel hosting in Dm3.Host.
        var refs = References(App);
        Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.Azure.Functions", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r is "Dm3.Host" or "Dm3.Functions");
        Assert.Contains("Dm3.App", References(Host));
    }

    [Fact]
    public void No_namespace_segment_is_named_Azure()
    {
        var offenders = new[] { Protocol, Backend, Adapters, App, Host }
            .SelectMany(a => a.GetTypes())
            .Select(t => t.Namespace)
            .Where(ns => ns is not null && ns.Split('.').Contains("Azure"))
            .Distinct()
            .ToList();
        Assert.Empty(offenders);
    }
}
