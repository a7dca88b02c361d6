using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dm3.Adapters.Queues;
using Dm3.App.Composition;
using Dm3.App.Diagnostics;
using Dm3.App.Functions;
using Dm3.App.Invocation;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Runtime;

/// <summary>
/// Static checks of the package description: the function.json files written by `functions-json` for both transports,
/// host.json, and that everything they name is served or written by the program.
/// </summary>
public sealed class FunctionJsonTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dm3-fjson-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("storageQueues", "queueTrigger", "Storage")]
    [InlineData("serviceBus", "serviceBusTrigger", "ServiceBus")]
    public void Functions_json_command_writes_one_folder_per_function_for_the_transport(string transport, string triggerType, string connection)
    {
        var output = Path.Combine(_dir, transport);
        var (code, stdout, stderr) = RunCommand("--out", output, "--transport", transport, "--include-diagnostics");

        Assert.True(code == 0, stderr);
        Assert.Contains("wrote", stdout, StringComparison.Ordinal);
        var catalog = Features.BuildCatalog();
        Assert.Equal(catalog.Functions.Select(f => f.Name).Order(StringComparer.Ordinal),
            Directory.GetDirectories(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var function in catalog.Functions)
        {
            var bindings = ReadBindings(output, function.Name);
            var trigger = bindings[0];
            Assert.Equal("in", trigger.GetProperty("direction").GetString());
            switch (function)
            {
                case QueueFunction queue:
                    Assert.Single(bindings);
                    Assert.Equal(triggerType, trigger.GetProperty("type").GetString());
                    Assert.Equal(connection, trigger.GetProperty("connection").GetString());
                    Assert.Equal("binary", trigger.GetProperty("dataType").GetString());
                    Assert.Equal(QueueFunction.TriggerBindingName, trigger.GetProperty("name").GetString());
                    Assert.Equal("%" + queue.QueueSetting + "%", trigger.GetProperty("queueName").GetString());
                    break;
                case TimerFunction timer:
                    Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
                    Assert.Equal("%" + timer.ScheduleSetting + "%", trigger.GetProperty("schedule").GetString());
                    Assert.False(trigger.GetProperty("runOnStartup").GetBoolean());
                    break;
                case HttpFunction:
                    // Forwarding needs exactly one httpTrigger and one http output.
                    Assert.Equal(2, bindings.Count);
                    Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
                    Assert.Equal("anonymous", trigger.GetProperty("authLevel").GetString());
                    Assert.Equal("http", bindings[1].GetProperty("type").GetString());
                    break;
            }
        }
    }

    [Fact]
    public void Diagnostic_functions_are_left_out_unless_asked_for()
    {
        var (code, _, stderr) = RunCommand("--out", _dir, "--transport", "serviceBus");
        Assert.True(code == 0, stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, DiagnosticsFeature.QueueFunctionName)));
        Assert.True(Directory.Exists(Path.Combine(_dir, "RuntimeHealth")));
    }

    [Theory]
    [InlineData("--transport", "kafka", "--out", "x")]
    [InlineData("--out", "x")]
    [InlineData("--bogus")]
    public void Functions_json_command_rejects_bad_arguments_with_exit_code_2(params string[] args)
    {
        var (code, _, stderr) = RunCommand(args);
        Assert.Equal(2, code);
        Assert.StartsWith("functions-json:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_http_function_json_names_a_route_and_methods_the_program_serves()
    {
        var (code, _, stderr) = RunCommand("--out", _dir, "--transport", "storageQueues", "--include-diagnostics");
        Assert.True(code == 0, stderr);
        await using var app = new RuntimeAppFactory("fjh", customHandler: false);
        _ = app.Server;
        var endpoints = PublicEndpoints(app);

        var httpFunctions = 0;
        foreach (var folder in Directory.GetDirectories(_dir))
        {
            var trigger = ReadBindings(_dir, Path.GetFileName(folder))[0];
            if (trigger.GetProperty("type").GetString() != "httpTrigger")
            {
                continue;
            }
            httpFunctions++;
            var route = trigger.GetProperty("route").GetString()!;
            foreach (var method in trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()))
            {
                if (method == "GET" && !route.Contains('{', StringComparison.Ordinal) && !endpoints.Any(e => Serves(e, route)))
                {
                    // A literal route served by a parameterised endpoint (e.g. openapi/v1.json): ask the program.
                    using var client = app.CreateClient();
                    Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/" + route)).StatusCode);
                    continue;
                }
                Assert.True(endpoints.Any(e => Serves(e, route) && AcceptsMethod(e, method)),
                    $"function.json of {Path.GetFileName(folder)} names {method} /{route}, which the program does not serve.");
            }
        }
        Assert.True(httpFunctions >= 2);
    }

    [Fact]
    public async Task Every_queue_and_timer_function_json_names_an_invocation_endpoint_of_the_program()
    {
        var (code, _, stderr) = RunCommand("--out", _dir, "--transport", "serviceBus", "--include-diagnostics");
        Assert.True(code == 0, stderr);
        await using var app = new RuntimeAppFactory("fji", customHandler: true);
        _ = app.Server;
        var invocation = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<InvocationEndpointMetadata>() is not null)
            .ToList();

        var names = Directory.GetDirectories(_dir).Select(Path.GetFileName).Where(n => ReadBindings(_dir, n!)[0].GetProperty("type").GetString() != "httpTrigger").ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            var endpoint = Assert.Single(invocation, e => e.RoutePattern.RawText == "/" + name);
            Assert.Equal(["POST"], endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods);
        }
        Assert.Equal(names.Count, invocation.Count);
    }

    [Fact]
    public async Task Every_queue_named_in_function_json_is_one_the_program_declares_and_writes()
    {
        var (code, _, stderr) = RunCommand("--out", _dir, "--transport", "storageQueues", "--include-diagnostics");
        Assert.True(code == 0, stderr);
        var catalog = Features.BuildCatalog();
        await using var app = new RuntimeAppFactory("fjq", customHandler: false);
        _ = app.Server;
        await app.WaitForStorageAsync();
        var names = app.Services.GetRequiredService<StorageNames>();

        foreach (var folder in Directory.GetDirectories(_dir))
        {
            var trigger = ReadBindings(_dir, Path.GetFileName(folder))[0];
            if (trigger.GetProperty("type").GetString() != "queueTrigger")
            {
                continue;
            }
            var setting = Regex.Match(trigger.GetProperty("queueName").GetString()!, "^%([A-Za-z0-9_]+)%$").Groups[1].Value;
            Assert.Contains(catalog.Queues, q => q.Setting == setting);
            Assert.StartsWith(app.QueuePrefix, names.Queue(setting), StringComparison.Ordinal);
        }

        // Dynamic proof for the diagnostic queue: what the program publishes lands in the queue its trigger reads.
        var queue = names.Queue(DiagnosticsFeature.QueueSetting);
        using var http = new HttpClient();
        var queues = TestStorage.Queues(http);
        var id = "written-" + Guid.NewGuid().ToString("N");
        await using var stopped = new RuntimeAppFactory("fjw", customHandler: false, new Dictionary<string, string?> { ["Queues__PumpEnabled"] = "false" });
        using var client = stopped.CreateClient();
        await stopped.WaitForStorageAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/diagnostics/enqueue", new { id, @ref = "" })).StatusCode);
        var stoppedQueue = stopped.Services.GetRequiredService<StorageNames>().Queue(DiagnosticsFeature.QueueSetting);
        var peeked = await queues.PeekAsync(stoppedQueue, 32, default);
        var message = Assert.Single(peeked);
        Assert.True(QueueMessageText.TryDecode(message.MessageText, out var json));
        Assert.Equal(id, JsonDocument.Parse(json).RootElement.GetProperty("id").GetString());
        Assert.Equal(stopped.QueuePrefix + "diagnostics", stoppedQueue);
        Assert.Equal(app.QueuePrefix + "diagnostics", queue);
    }

    [Fact]
    public void Every_percent_setting_in_function_json_is_listed_in_the_local_settings_sample()
    {
        RunCommand("--out", _dir, "--transport", "serviceBus", "--include-diagnostics");
        var sample = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("local.settings.sample.json"))).RootElement.GetProperty("Values");
        var referenced = Directory.GetFiles(_dir, "function.json", SearchOption.AllDirectories)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), "%([A-Za-z0-9_]+)%").Select(m => m.Groups[1].Value))
            .Distinct()
            .ToList();
        Assert.NotEmpty(referenced);
        foreach (var setting in referenced)
        {
            Assert.True(sample.TryGetProperty(setting, out var value) && value.GetString() is { Length: > 0 }, $"local.settings.sample.json lacks a value for {setting}.");
        }
    }

    [Fact]
    public void Host_json_configures_the_custom_handler_with_forwarding_and_no_route_prefix()
    {
        var host = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("host.json"))).RootElement;

        Assert.Equal("2.0", host.GetProperty("version").GetString());
        var handler = host.GetProperty("customHandler");
        Assert.Equal("Dm3.App", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.Equal(["--urls", "http://127.0.0.1:%FUNCTIONS_CUSTOMHANDLER_PORT%"],
            handler.GetProperty("description").GetProperty("arguments").EnumerateArray().Select(a => a.GetString()));
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.Equal("[4.*, 5.0.0)", host.GetProperty("extensionBundle").GetProperty("version").GetString());
        Assert.Equal("", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal(5, host.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", host.GetProperty("extensions").GetProperty("queues").GetProperty("messageEncoding").GetString());
        Assert.True(host.GetProperty("extensions").GetProperty("serviceBus").GetProperty("autoCompleteMessages").GetBoolean());
    }

    private static (int Code, string Stdout, string Stderr) RunCommand(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = FunctionsJsonCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static List<JsonElement> ReadBindings(string root, string function) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(root, function, "function.json"))).RootElement
            .GetProperty("bindings").EnumerateArray().Select(b => b.Clone()).ToList();

    private static List<RouteEndpoint> PublicEndpoints(RuntimeAppFactory app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<InvocationEndpointMetadata>() is null)
            .ToList();

    /// <summary>Lower-case, no leading slash, every parameter as {} (names and constraints may differ).</summary>
    private static string NormalizeRoute(string route) =>
        Regex.Replace(route.Trim('/').ToLowerInvariant(), "\\{[^}]*\\}", "{}");

    /// <summary>Same template (parameter names aside).</summary>
    private static bool Serves(RouteEndpoint endpoint, string functionRoute) =>
        NormalizeRoute(endpoint.RoutePattern.RawText!) == NormalizeRoute(functionRoute);

    private static bool AcceptsMethod(RouteEndpoint endpoint, string method) =>
        endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods
        || methods.HttpMethods.Count == 0
        || methods.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase)
        || (method == "OPTIONS" && methods.AcceptCorsPreflight);
}
