using System.Text;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Runtime;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Functions.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dm3.App.Tests.Functions;

/// <summary>
/// The worker's composition (Program.cs of Dm3.Functions without the Functions runtime: AddDm3 for the worker, the
/// queue runner, start-up validation) on Azurite, so tests can new up [Function] classes and call their methods
/// with a real <see cref="DefaultHttpContext"/>, as the Functions host would through the ASP.NET Core integration.
/// </summary>
public sealed class WorkerHost : IAsyncLifetime
{
    private readonly string _devKeys = Path.Combine(Path.GetTempPath(), "dm3-worker-tests-" + Guid.NewGuid().ToString("N"), "dev-keys.json");
    private IHost? _host;

    public string TablePrefix { get; } = TestStorage.NewTablePrefix("wk");

    public IServiceProvider Services => _host!.Services;

    public async Task InitializeAsync()
    {
        TestStorage.EnsureReachable();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        var settings = new Dictionary<string, string?>
        {
            ["Storage__ConnectionString"] = TestStorage.ConnectionString,
            ["Storage__TablePrefix"] = TablePrefix,
            // The worker's queue triggers read the queue settings unprefixed: a queue name of its own instead.
            ["EnvelopesQueue"] = "env-" + TablePrefix.ToLowerInvariant(),
            ["DevKeys__Enabled"] = "true",
            ["DevKeys__Path"] = _devKeys,
            ["PublicBaseUrl"] = "https://dm3.example",
            ["Apps__0__ParentName"] = "worker.eth",
            ["Apps__0__ChainIds__0"] = "1",
            ["Apps__0__AllowedOrigins__0"] = "https://app.worker.example",
            ["Apps__0__Domains__0__Host"] = "app.worker.example",
            ["Apps__0__Domains__0__Scopes__0"] = "query",
            // The diagnostic queue handler (fails on demand) for the retry test.
            ["Diagnostics__EnableTestFunctions"] = "true",
            ["DiagnosticsQueue"] = "diag-" + TablePrefix.ToLowerInvariant(),
        };
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(SettingsReader.ToKey(s.Key), s.Value)));
        builder.Services.AddDm3(Features.All, builder.Environment.ContentRootPath, HostModel.FunctionsWorker);
        builder.Services.AddSingleton<QueueFunctionRunner>();
        _host = builder.Build();
        StartupValidation.Validate(_host.Services);
        await _host.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Services.GetRequiredService<StorageReadiness>().WaitAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        Directory.Delete(Path.GetDirectoryName(_devKeys)!, recursive: true);
    }

    public T Create<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>A request as the ASP.NET Core integration hands it to an HTTP function.</summary>
    public HttpRequest Request(string method, string path, string? body = null, string? origin = null)
    {
        var http = new DefaultHttpContext { RequestServices = Services };
        http.Request.Method = method;
        http.Request.Path = path;
        http.Response.Body = new MemoryStream();
        if (origin is not null)
        {
            http.Request.Headers.Origin = origin;
        }

        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            http.Request.ContentType = "application/json";
            http.Request.ContentLength = bytes.Length;
            http.Request.Body = new MemoryStream(bytes);
        }

        return http.Request;
    }

    /// <summary>Executes a function's result as the integration does and returns status and body.</summary>
    public static async Task<(int Status, string Body)> ExecuteAsync(IResult result, HttpRequest request)
    {
        await result.ExecuteAsync(request.HttpContext);
        return (request.HttpContext.Response.StatusCode, Body(request.HttpContext));
    }

    public static string Body(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return new StreamReader(http.Response.Body).ReadToEnd();
    }
}

/// <summary>The invocation context a queue or timer function receives (trigger metadata as the host sends it).</summary>
internal sealed class TestFunctionContext(string functionName, IServiceProvider services, IReadOnlyDictionary<string, object?> bindingData) : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId { get; } = functionName;

    public override TraceContext TraceContext => null!;

    public override BindingContext BindingContext { get; } = new TestBindingContext(bindingData);

    public override RetryContext RetryContext => null!;

    public override IServiceProvider InstanceServices { get; set; } = services;

    public override FunctionDefinition FunctionDefinition => null!;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => null!;

    private sealed class TestBindingContext(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData { get; } = data;
    }
}
