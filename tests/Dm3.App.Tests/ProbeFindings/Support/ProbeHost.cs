using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Dm3.App.Tests.Runtime.Support;

namespace Dm3.App.Tests.ProbeFindings.Support;

/// <summary>
/// The built standalone program (real Kestrel, <c>dotnet Dm3.Host.dll</c>) against Azurite, spoken to over raw TCP
/// sockets, so chunked framing, odd headers and half-sent bodies reach Kestrel's own parser (TestServer does no
/// chunked parsing). One app <c>myapp.eth</c>, dev keys, the queue pump on.
/// </summary>
public sealed class ProbeHost : IAsyncLifetime
{
    public const string Parent = "myapp.eth";

    private AppProcess? _app;

    internal AppProcess App => _app ?? throw new InvalidOperationException("The probe host is not started.");

    public async Task InitializeAsync()
    {
        TestStorage.EnsureReachable();
        var settings = new Dictionary<string, string?>
        {
            ["Storage__ConnectionString"] = TestStorage.ConnectionString,
            ["Storage__TablePrefix"] = TestStorage.NewTablePrefix("pr"),
            ["Storage__QueuePrefix"] = TestStorage.NewQueuePrefix("pr"),
            ["DevKeys__Enabled"] = "true",
            ["DevKeys__Path"] = Path.Combine(Path.GetTempPath(), "dm3-probe-" + Guid.NewGuid().ToString("N"), "dev-keys.json"),
            ["PublicBaseUrl"] = "http://localhost:5000",
            ["Apps__0__ParentName"] = Parent,
            ["Apps__0__ChainIds__0"] = "1",
            ["Queues__MaxPollingInterval"] = "00:00:00.5",
            ["Timers__Enabled"] = "false",
        };
        _app = AppProcess.Start(settings);
        await _app.WaitReadyAsync(TimeSpan.FromSeconds(60));
        // GET /health is 503 until storage initialisation has created the tables (a readiness answer, not a fault):
        // probe only a ready program, or a slow start shows up as 5xx in the fuzz.
        using var http = new HttpClient { BaseAddress = _app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await TestStorage.EventuallyAsync(async () =>
        {
            try
            {
                using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
                return health.IsSuccessStatusCode;
            }
            catch (TaskCanceledException)
            {
                return false; // a slow answer on a loaded machine: ask again until the deadline
            }
        }, TimeSpan.FromSeconds(90), "GET /health to answer 200");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>Log lines written so far (stdout and stderr).</summary>
    public IReadOnlyList<string> LogLines => [.. App.Stdout, .. App.Stderr];

    public Task<RawResponse> SendAsync(string request, bool closeAfterSending = false) => SendAsync(Encoding.UTF8.GetBytes(request), closeAfterSending);

    /// <summary>
    /// Sends <paramref name="request"/> as raw bytes on a new connection and reads until the server closes it. With
    /// <paramref name="closeAfterSending"/> the client half-closes at once (a client that gives up mid-request).
    /// </summary>
    public async Task<RawResponse> SendAsync(byte[] request, bool closeAfterSending = false)
    {
        using var tcp = new TcpClient { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await tcp.ConnectAsync("127.0.0.1", App.Port, timeout.Token);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(request, timeout.Token);
            await stream.FlushAsync(timeout.Token);
            if (closeAfterSending)
            {
                tcp.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything (e.g. 431, 413): read what it said.
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // Reset after the answer, or no answer at all: keep what arrived.
        }

        return RawResponse.Parse(buffer.ToArray());
    }
}

/// <summary>The first HTTP response on a connection: status, headers (lower-case names) and body text.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body, string Raw)
{
    /// <summary>Status 0 means the server closed the connection without answering.</summary>
    public static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || headerEnd < 0)
        {
            return new RawResponse(0, new Dictionary<string, string>(), "", text);
        }

        var lines = text[..headerEnd].Split("\r\n");
        var status = int.Parse(lines[0].AsSpan(9, 3), CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var body = text[(headerEnd + 4)..];
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return new RawResponse(status, headers, body, text);
    }

    private static string Unchunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(body.AsSpan(position, lineEnd - position), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }

            result.Append(body, lineEnd + 2, Math.Min(size, body.Length - lineEnd - 2));
            position = lineEnd + 2 + size + 2;
        }

        return result.ToString();
    }
}

/// <summary>Raw HTTP/1.1 request texts.</summary>
public static class RawRequests
{
    /// <summary>A request with a body framed as given (<paramref name="framedBody"/> is written as is after the headers).</summary>
    public static string With(string method, string path, string framedBody, string contentType = "application/json", bool chunked = true, string extraHeaders = "")
    {
        var builder = new StringBuilder();
        builder.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\nHost: x\r\n");
        if (contentType.Length > 0)
        {
            builder.Append("Content-Type: ").Append(contentType).Append("\r\n");
        }

        builder.Append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + Encoding.UTF8.GetByteCount(framedBody).ToString(CultureInfo.InvariantCulture) + "\r\n");
        builder.Append(extraHeaders).Append("Connection: close\r\n\r\n").Append(framedBody);
        return builder.ToString();
    }

    /// <summary>A well-framed chunked body holding <paramref name="content"/> in one chunk.</summary>
    public static string Chunked(string content) =>
        Encoding.UTF8.GetByteCount(content).ToString("x", CultureInfo.InvariantCulture) + "\r\n" + content + "\r\n0\r\n\r\n";

    /// <summary>The probe's malformed framing: a chunk size that is not hex.</summary>
    public const string BadChunkSize = "zz\r\nabc\r\n0\r\n\r\n";

    /// <summary>Every route that reads a request body, with a path that names a hosted-looking name.</summary>
    public static IEnumerable<(string Method, string Path)> BodyRoutes(string name) =>
    [
        ("POST", "/rpc"),
        ("POST", "/resolver/profile/address"),
        ("DELETE", "/resolver/profile/" + name),
        ("POST", "/resolver/nonces"),
        ("POST", "/auth/" + name),
        ("POST", "/profile/" + name),
        ("POST", "/ccip"),
    ];
}
