using System.IO.Compression;
using System.Text.Json;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.Infra.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.Infra.Tests.Publish;

/// <summary>
/// The worker's publish output (<c>./dev publish</c>) against the standalone host: the same functions, route by route
/// (name, methods, route, CORS preflight), the same queues and timer schedules; the extensions the host must load; the
/// package layout.
/// </summary>
public sealed class WorkerPublishTests
{
    [Fact]
    public async Task Functions_metadata_and_the_standalone_route_table_agree_route_by_route()
    {
        var metadata = WorkerPackage.Functions();
        var (routes, settings) = await StandaloneAsync();

        var published = metadata.Where(f => WorkerPackage.Trigger(f).GetProperty("type").GetString() == "httpTrigger").Select(f =>
        {
            var trigger = WorkerPackage.Trigger(f);
            var methods = trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToList();
            var preflight = methods.Remove("OPTIONS");
            return $"{f.GetProperty("name").GetString()} {string.Join(",", methods)} {trigger.GetProperty("route").GetString()} preflight={preflight}";
        }).Order(StringComparer.Ordinal).ToList();
        var standalone = routes.Select(r => $"{r.Name} {r.Method} {r.Route} preflight={r.Cors is not null}").Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(published);
        Assert.Equal(standalone, published);

        // Queue and timer functions: the trigger's %Setting% is the catalog's, which the standalone pump and timers read.
        var queues = metadata.Where(f => WorkerPackage.Trigger(f).GetProperty("type").GetString() == "queueTrigger")
            .Select(f => $"{f.GetProperty("name").GetString()} {WorkerPackage.Trigger(f).GetProperty("queueName").GetString()}").Order(StringComparer.Ordinal);
        Assert.Equal(settings.ActiveFunctions.OfType<QueueFunction>().Select(q => $"{q.Name} %{q.QueueSetting}%").Order(StringComparer.Ordinal), queues);
        var timers = metadata.Where(f => WorkerPackage.Trigger(f).GetProperty("type").GetString() == "timerTrigger")
            .Select(f => $"{f.GetProperty("name").GetString()} {WorkerPackage.Trigger(f).GetProperty("schedule").GetString()}").Order(StringComparer.Ordinal);
        Assert.Equal(settings.ActiveFunctions.OfType<TimerFunction>().Select(t => $"{t.Name} %{t.ScheduleSetting}%").Order(StringComparer.Ordinal), timers);
        Assert.Equal(settings.ActiveFunctions.Select(f => f.Name).Order(StringComparer.Ordinal), metadata.Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Http_functions_are_anonymous_and_queue_triggers_use_the_storage_connection()
    {
        // Anonymous: the routes are public protocol endpoints; their auth is the protocol's own (tokens, wallet proofs, signatures).
        var triggers = WorkerPackage.Functions().Select(WorkerPackage.Trigger).ToList();
        Assert.All(triggers.Where(t => t.GetProperty("type").GetString() == "httpTrigger"), t => Assert.Equal("Anonymous", t.GetProperty("authLevel").GetString()));
        Assert.All(triggers.Where(t => t.GetProperty("type").GetString() == "queueTrigger"), t => Assert.Equal("Storage", t.GetProperty("connection").GetString()));
        Assert.Contains(triggers, t => t.GetProperty("type").GetString() == "queueTrigger");
        Assert.Contains(triggers, t => t.GetProperty("type").GetString() == "timerTrigger");
    }

    [Fact]
    public void Extensions_json_lists_the_storage_queues_extension()
    {
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(WorkerPackage.Package, "extensions.json")));
        var entries = extensions.RootElement.GetProperty("extensions").EnumerateArray().ToList();
        var queues = Assert.Single(entries, e => e.GetProperty("name").GetString() == "AzureStorageQueues");
        var hint = queues.GetProperty("hintPath").GetString()!;
        Assert.True(File.Exists(Path.Combine(WorkerPackage.Package, hint)), $"{hint} is not in the package");
    }

    [Fact]
    public void Package_holds_the_repository_host_json_with_an_empty_route_prefix_and_the_worker()
    {
        var hostJson = File.ReadAllText(Path.Combine(WorkerPackage.Package, "host.json"));
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "host.json")), hostJson);
        using var host = JsonDocument.Parse(hostJson);
        // dm3 and EIP-3668 clients call /rpc, /ccip/… at the root, not under /api.
        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.False(host.RootElement.TryGetProperty("customHandler", out _));

        using var worker = JsonDocument.Parse(File.ReadAllText(Path.Combine(WorkerPackage.Package, "worker.config.json")));
        Assert.Equal("Dm3.Functions.dll", worker.RootElement.GetProperty("description").GetProperty("defaultWorkerPath").GetString());
        Assert.False(File.Exists(Path.Combine(WorkerPackage.Package, "local.settings.json")));

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(WorkerPackage.Package, "Dm3.Functions.runtimeconfig.json")));
        var options = config.RootElement.GetProperty("runtimeOptions");
        Assert.False(options.GetProperty("configProperties").TryGetProperty("System.Globalization.Invariant", out var invariant) && invariant.GetBoolean());
    }

    [Fact]
    public void Zip_holds_the_same_files()
    {
        using var zip = ZipFile.OpenRead(WorkerPackage.Zip);
        var files = Directory.GetFiles(WorkerPackage.Package, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(WorkerPackage.Package, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(files, zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        Assert.NotNull(zip.GetEntry("functions.metadata"));
    }

    private sealed record StandaloneRoute(string Name, string Method, string Route, string? Cors);

    /// <summary>The standalone host's route table, built (not started) with the settings a deployment would have.</summary>
    private static async Task<(List<StandaloneRoute> Routes, RuntimeSettings Settings)> StandaloneAsync()
    {
        var devKeys = Path.Combine(Path.GetTempPath(), "dm3-route-table-" + Guid.NewGuid().ToString("N"), "dev-keys.json");
        try
        {
            await using var app = Dm3.Host.AppHost.Build([
                "--Storage:ConnectionString=UseDevelopmentStorage=true",
                "--DevKeys:Path=" + devKeys,
                "--PublicBaseUrl=https://dm3.example",
            ]);
            var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
                .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
                .Select(e => new StandaloneRoute(
                    e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName,
                    e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Single(),
                    e.RoutePattern.RawText!.TrimStart('/'),
                    e.Metadata.GetMetadata<IEnableCorsAttribute>()?.PolicyName))
                .ToList();
            return (routes, app.Services.GetRequiredService<RuntimeSettings>());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(devKeys)!, recursive: true);
        }
    }
}
