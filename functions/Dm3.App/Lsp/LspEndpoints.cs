using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.App.Profiles;
using Dm3.Backend.Apps;
using Dm3.Backend.Lsp;
using Dm3.Backend.Nonces;
using Dm3.Protocol.Siwe;

namespace Dm3.App.Lsp;

/// <summary>The routes under <c>/lsp/v1</c> (§12). Thin: read the body, call one handler, map its outcome (<see cref="Problem"/>).</summary>
internal static class LspEndpoints
{
    /// <summary>A registration (profile, binding, escrow) is about 2 KiB; a link-record write less.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").WithTags("LinkedProfiles");
        group.MapPost(LspFeature.NonceRoute, IssueNonceAsync).WithName(LspFeature.NonceFunction);
        group.MapPost(LspFeature.SessionRoute, OpenSessionAsync).WithName(LspFeature.SessionFunction);
        group.MapPost(LspFeature.QueryRoute, QueryAsync).WithName(LspFeature.QueryFunction);
        group.MapPost(LspFeature.RegisterRoute, RegisterAsync).WithName(LspFeature.RegisterFunction);
        group.MapDelete(LspFeature.DeleteRoute, DeleteAsync).WithName(LspFeature.DeleteFunction);
        group.MapPut(LspFeature.LinkRecordRoute, PublishLinkAsync).WithName(LspFeature.PublishLinkFunction);
        group.MapDelete(LspFeature.LinkRecordRoute, UnpublishLinkAsync).WithName(LspFeature.UnpublishLinkFunction);
    }

    internal static async Task<IResult> IssueNonceAsync(HttpRequest request, IssueLspNonceHandler handler, CancellationToken ct)
    {
        var http = request.HttpContext;
        var body = await ReadJsonAsync(request, ct).ConfigureAwait(false);
        var nonce = new IssueNonceRequest(Str(body, "app"), Str(body, "purpose"));
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var result = await handler.HandleAsync(nonce, ip, ct).ConfigureAwait(false);
        return result.Error is { } e ? Problem(http, e) : Results.Json(new
        {
            nonce = result.Value!.Nonce,
            issuedAt = Dm3Siwe.FormatTimestamp(result.Value.IssuedAt),
            expirationTime = Dm3Siwe.FormatTimestamp(result.Value.ExpirationTime),
        }, statusCode: StatusCodes.Status201Created);
    }

    internal static async Task<IResult> OpenSessionAsync(HttpRequest request, OpenSessionHandler handler, CancellationToken ct)
    {
        var http = request.HttpContext;
        var body = await ReadJsonAsync(request, ct).ConfigureAwait(false);
        var result = await handler.HandleAsync(new OpenSessionRequest(Str(body, "message"), Str(body, "signature")), ct).ConfigureAwait(false);
        if (result.Error is { } e)
        {
            return Problem(http, e);
        }

        var s = result.Value!;
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(new { token = s.Token, sessionId = s.SessionId, owner = s.Owner, app = s.App, scopes = s.Scopes, expiresAt = Dm3Siwe.FormatTimestamp(s.ExpiresAt) },
            statusCode: StatusCodes.Status201Created);
    }

    internal static async Task<IResult> QueryAsync(HttpRequest request, QueryLspsHandler handler, CancellationToken ct)
    {
        var http = request.HttpContext;
        var (text, _) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        var body = string.IsNullOrWhiteSpace(text) ? new JsonObject()
            : Dm3.Protocol.Json.CanonicalJson.TryParse(text, out var node, out _) ? node as JsonObject : null;
        var include = body?["includeEscrow"];
        if (body is null || (include is not null && include.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)))
        {
            // Without a session the answer is 401 whatever the body (§6.2: callers without a session learn nothing).
            return Problem(http, string.IsNullOrEmpty(Bearer(http)) ? LspError.Session : LspError.Request("The body must be {\"includeEscrow\": bool} (or {})."));
        }

        var result = await handler.HandleAsync(Bearer(http), new QueryLspsRequest(include?.GetValue<bool>() ?? false), ct).ConfigureAwait(false);
        http.Response.Headers.CacheControl = "no-store";
        return result.Error is { } e ? Problem(http, e) : Results.Text(result.Value!.ToJsonString(), "application/json");
    }

    internal static async Task<IResult> RegisterAsync(HttpRequest request, RegisterLspHandler handler, CancellationToken ct)
    {
        var http = request.HttpContext;
        var (text, _) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (!RegisterLspRequest.TryParse(text, out var registration, out var error))
        {
            // A bearer problem wins over a body problem: callers without a session learn nothing else.
            return Problem(http, string.IsNullOrEmpty(Bearer(http)) ? LspError.Session : error);
        }

        var result = await handler.HandleAsync(Bearer(http), registration, ct).ConfigureAwait(false);
        return result.Error is { } e ? Problem(http, e) : Results.Json(new { lspName = result.Value }, statusCode: StatusCodes.Status201Created);
    }

    internal static async Task<IResult> DeleteAsync(string lspName, HttpRequest request, DeleteLspHandler handler, CancellationToken ct)
    {
        var http = request.HttpContext;
        var result = await handler.HandleAsync(Bearer(http), lspName, ct).ConfigureAwait(false);
        return result.Error is { } e ? Problem(http, e) : Results.NoContent();
    }

    internal static async Task<IResult> PublishLinkAsync(string lspName, HttpRequest request, LinkRecordsHandler handler, CancellationToken ct)
    {
        var http = request.HttpContext;
        var (text, _) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (!LinkRecordRequest.TryParse(lspName, text, LinkRecordAction.Publish, out var publish, out var error))
        {
            return Problem(http, error);
        }

        var result = await handler.PublishAsync(publish, ct).ConfigureAwait(false);
        return result.Error is { } e ? Problem(http, e) : Results.Json(new { lspName, expiresAt = result.Value });
    }

    internal static async Task<IResult> UnpublishLinkAsync(string lspName, HttpRequest request, LinkRecordsHandler handler, CancellationToken ct)
    {
        var http = request.HttpContext;
        var (text, _) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (!LinkRecordRequest.TryParse(lspName, text, LinkRecordAction.Unpublish, out var unpublish, out var error))
        {
            return Problem(http, error);
        }

        var result = await handler.UnpublishAsync(unpublish, ct).ConfigureAwait(false);
        return result.Error is { } e ? Problem(http, e) : Results.NoContent();
    }

    /// <summary>The one mapping of LSP outcomes to HTTP (§12, §16 item 5): problem details with <c>code</c>; 429 with Retry-After and RateLimit-*.</summary>
    internal static IResult Problem(HttpContext http, LspError error)
    {
        var status = error.Kind switch
        {
            LspErrorKind.InvalidProof or LspErrorKind.InvalidSession => StatusCodes.Status401Unauthorized,
            LspErrorKind.ScopeMissing or LspErrorKind.SessionUsed => StatusCodes.Status403Forbidden,
            LspErrorKind.UnknownApp or LspErrorKind.NotFound => StatusCodes.Status404NotFound,
            LspErrorKind.NameTaken or LspErrorKind.LspExists => StatusCodes.Status409Conflict,
            LspErrorKind.InvalidAttestation => StatusCodes.Status422UnprocessableEntity,
            LspErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };
        var headers = http.Response.Headers;
        if (error.RetryAfter is { } retry)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            headers.RetryAfter = seconds;
            if (error.RateLimit is { } limit)
            {
                headers["RateLimit-Limit"] = limit.Limit.ToString(CultureInfo.InvariantCulture);
                headers["RateLimit-Remaining"] = limit.Remaining.ToString(CultureInfo.InvariantCulture);
                headers["RateLimit-Reset"] = seconds;
            }
        }

        if (error.Kind == LspErrorKind.InvalidSession)
        {
            headers.WWWAuthenticate = "Bearer";
        }

        return Results.Problem(detail: error.Detail, statusCode: status, title: error.Code.Replace('_', ' '),
            extensions: new Dictionary<string, object?> { ["code"] = error.Code });
    }

    private static string? Bearer(HttpContext http)
    {
        var value = http.Request.Headers.Authorization.ToString();
        return value.StartsWith("Bearer ", StringComparison.Ordinal) ? value["Bearer ".Length..].Trim() : null;
    }

    private static async Task<JsonObject?> ReadJsonAsync(HttpRequest request, CancellationToken ct)
    {
        var (text, _) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        return text is not null && Dm3.Protocol.Json.CanonicalJson.TryParse(text, out var node, out _) ? node as JsonObject : null;
    }

    private static string? Str(JsonObject? body, string name) =>
        body?[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
