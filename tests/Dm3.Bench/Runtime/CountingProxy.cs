using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Dm3.Bench.Runtime;

/// <summary>
/// A counting HTTP pass-through in front of Azurite's Table endpoint: a backend configured with
/// <see cref="Endpoint"/> as its TableEndpoint sends every Table transaction through here, so the bench can count
/// them per request without any change to the program (SharedKey signs the path, not the host, so signatures stay valid).
/// Counts are kept per "METHOD table" (e.g. "GET Names", "POST Inbox").
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    private CountingProxy(WebApplication app, HttpClient client, Uri endpoint)
    {
        _app = app;
        _client = client;
        Endpoint = endpoint;
    }

    /// <summary>The table endpoint to give the backend (same account path as the target).</summary>
    public Uri Endpoint { get; }

    public static async Task<CountingProxy> StartAsync(Uri targetTableEndpoint, CancellationToken cancellationToken)
    {
        var port = BenchMachine.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var target = new Uri(targetTableEndpoint.GetLeftPart(UriPartial.Authority));
        var proxy = new CountingProxy(app, client, new Uri($"http://127.0.0.1:{port}{targetTableEndpoint.AbsolutePath}"));
        app.Run(context => proxy.ForwardAsync(context, target));
        await app.StartAsync(cancellationToken);
        return proxy;
    }

    /// <summary>Clears the counters.</summary>
    public void Reset() => _counts.Clear();

    /// <summary>The counters since the last <see cref="Reset"/>.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    public long Total => _counts.Values.Sum();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }

    /// <summary>"Names" from "/devstoreaccount1/Names(PartitionKey='a',RowKey='')" or "/devstoreaccount1/Names()".</summary>
    internal static string TableOf(string rawTarget)
    {
        var path = rawTarget.Split('?', 2)[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var last = segments.Length >= 2 ? segments[1] : segments.LastOrDefault() ?? "";
        var paren = last.IndexOf('(', StringComparison.Ordinal);
        return Uri.UnescapeDataString(paren >= 0 ? last[..paren] : last);
    }

    private async Task ForwardAsync(HttpContext context, Uri target)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        _counts.AddOrUpdate(context.Request.Method + " " + TableOf(rawTarget), 1, (_, n) => n + 1);

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, rawTarget));
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || context.Request.ContentType is not null)
        {
            request.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
            }
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
