using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dm3.Adapters.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Dm3.Adapters.Tests.ServiceBus;

/// <summary>
/// A loopback Service Bus that checks the documented REST send contract: POST /{queue}/messages, a bearer token or a valid
/// SAS (signature recomputed, expiry, policy name, resource), Content-Type application/json, BrokerProperties JSON with a
/// MessageId, a body of at most 256 KiB (413 otherwise); answers 201 and drops duplicates by MessageId.
/// </summary>
public sealed class FakeServiceBus : IAsyncDisposable
{
    public const int MaxMessageBytes = 256 * 1024;
    private readonly object _gate = new();
    private LoopbackServer _server = null!;

    public string? ExpectedBearer { get; set; }
    public (string KeyName, string Key)? SasPolicy { get; set; }
    public HashSet<string> Queues { get; } = new(StringComparer.Ordinal);
    public int FailNextWith503 { get; set; }
    public int Requests { get; private set; }
    public List<(string Queue, string MessageId, byte[] Body)> Stored { get; } = [];
    public List<string> Rejections { get; } = [];
    public Uri Endpoint => _server.BaseAddress;

    public static async Task<FakeServiceBus> StartAsync()
    {
        var fake = new FakeServiceBus();
        fake._server = await LoopbackServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        lock (_gate)
        {
            Requests++;
        }
        var segments = ctx.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (ctx.Request.Method != "POST" || segments.Length != 2 || segments[1] != "messages")
        {
            await Reject(ctx, 400, "expected POST /{queue}/messages");
            return;
        }
        var queue = segments[0];
        if (!Authorized(ctx, queue, out var why))
        {
            await Reject(ctx, 401, why);
            return;
        }
        if (!Queues.Contains(queue))
        {
            await Reject(ctx, 404, "entity not found");
            return;
        }
        if (FailNextWith503 > 0)
        {
            FailNextWith503--;
            await Reject(ctx, 503, "server busy");
            return;
        }

        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer);
        var headerBytes = ctx.Request.Headers.Sum(h => h.Key.Length + h.Value.ToString().Length + 4);
        if (buffer.Length + headerBytes > MaxMessageBytes)
        {
            await Reject(ctx, 413, "message too large");
            return;
        }
        if (ctx.Request.ContentType != "application/json")
        {
            await Reject(ctx, 400, "content type must be application/json, got " + ctx.Request.ContentType);
            return;
        }
        string? messageId;
        try
        {
            using var props = JsonDocument.Parse(ctx.Request.Headers["BrokerProperties"].ToString());
            messageId = props.RootElement.GetProperty("MessageId").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            await Reject(ctx, 400, "BrokerProperties must be JSON with a MessageId");
            return;
        }
        if (string.IsNullOrEmpty(messageId))
        {
            await Reject(ctx, 400, "empty MessageId");
            return;
        }
        lock (_gate)
        {
            if (!Stored.Any(m => m.Queue == queue && m.MessageId == messageId))
            {
                Stored.Add((queue, messageId, buffer.ToArray()));
            }
        }
        ctx.Response.StatusCode = 201;
    }

    private bool Authorized(HttpContext ctx, string queue, out string why)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (ExpectedBearer is not null && header == "Bearer " + ExpectedBearer)
        {
            why = "";
            return true;
        }
        if (SasPolicy is { } policy && header.StartsWith("SharedAccessSignature ", StringComparison.Ordinal))
        {
            var fields = header["SharedAccessSignature ".Length..].Split('&')
                .Select(p => p.Split('=', 2))
                .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
            if (!fields.TryGetValue("sr", out var sr) || !fields.TryGetValue("sig", out var sig)
                || !fields.TryGetValue("se", out var se) || !fields.TryGetValue("skn", out var skn))
            {
                why = "SAS lacks sr, sig, se or skn";
                return false;
            }
            if (Uri.UnescapeDataString(skn) != policy.KeyName)
            {
                why = "unknown policy";
                return false;
            }
            var resource = Uri.UnescapeDataString(sr);
            var expected = (Endpoint.GetLeftPart(UriPartial.Authority) + "/" + queue).ToLowerInvariant();
            if (resource != expected && resource != Endpoint.GetLeftPart(UriPartial.Authority).ToLowerInvariant())
            {
                why = $"SAS resource {resource} does not cover {expected}";
                return false;
            }
            if (!long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry) || expiry < DateTimeOffset.UtcNow.ToUnixTimeSeconds())
            {
                why = "SAS expired";
                return false;
            }
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(policy.Key), Encoding.UTF8.GetBytes(sr + "\n" + se));
            if (!CryptographicOperations.FixedTimeEquals(mac, SafeBase64(Uri.UnescapeDataString(sig))))
            {
                why = "SAS signature mismatch";
                return false;
            }
            why = "";
            return true;
        }
        why = "no valid authorization";
        return false;
    }

    private static byte[] SafeBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private async Task Reject(HttpContext ctx, int status, string reason)
    {
        lock (_gate)
        {
            Rejections.Add($"{status} {reason}");
        }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/xml; charset=utf-8";
        await ctx.Response.WriteAsync($"<Error><Code>{status}</Code><Detail>{reason}</Detail></Error>");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
