using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Dm3.Protocol;
using Dm3.Protocol.Siwe;

namespace Dm3.App.Profiles;

/// <summary>The resolver's HTTP routes under <c>/resolver</c> (wire formats §11, decisions §12–§13). Thin: bind, call, map.</summary>
internal static class ResolverEndpoints
{
    /// <summary>Largest accepted body of a resolver write (a profile plus a proof is about 2 KiB).</summary>
    public const int MaxBodyBytes = 32 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").WithTags("Resolver");
        group.MapPost(ResolverFeature.ClaimRoute, ClaimAsync).WithName(ResolverFeature.ClaimFunction);
        group.MapGet(ResolverFeature.GetRoute, GetAsync).WithName(ResolverFeature.GetFunction);
        group.MapDelete(ResolverFeature.DeleteRoute, DeleteAsync).WithName(ResolverFeature.DeleteFunction);
        group.MapPost(ResolverFeature.NonceRoute, IssueNonceAsync).WithName(ResolverFeature.NonceFunction);
    }

    internal static async Task<IResult> ClaimAsync(HttpRequest request, ClaimAddressHandler handler, CancellationToken ct)
    {
        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (tooLarge)
        {
            return TooLarge();
        }

        if (!ClaimAddressRequest.TryParse(body, out var claim, out var error))
        {
            return Problem(ResolverStatus.Invalid, error);
        }

        var result = await handler.HandleAsync(claim, ct).ConfigureAwait(false);
        return result.Error is { } e
            ? Problem(result.Status, e)
            : Results.Json(new { name = result.Name, profileHash = result.ProfileHash }, statusCode: result.Status == ResolverStatus.Created ? 201 : 200);
    }

    internal static async Task<IResult> GetAsync(string address, GetProfileHandler handler, CancellationToken ct)
    {
        var result = await handler.HandleAsync(new GetProfileRequest(address), ct).ConfigureAwait(false);
        return result.Error is { } e ? Problem(result.Status, e) : Results.Text(result.ProfileJson, "application/json");
    }

    internal static async Task<IResult> DeleteAsync(string name, HttpRequest request, DeleteProfileHandler handler, CancellationToken ct)
    {
        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (tooLarge)
        {
            return TooLarge();
        }

        var result = await handler.HandleAsync(DeleteProfileRequest.FromBody(name, body), ct).ConfigureAwait(false);
        return result.Error is { } e ? Problem(result.Status, e) : Results.NoContent();
    }

    /// <summary>Reads the body itself (bounded, UTF-8, web JSON rules), so both hosts answer a bad body with the same 400.</summary>
    internal static async Task<IResult> IssueNonceAsync(HttpRequest request, NonceService nonces, CancellationToken ct)
    {
        var (text, tooLarge) = await HttpBodies.ReadTextAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (tooLarge)
        {
            return TooLarge();
        }

        IssueNonceRequest? body;
        try
        {
            body = text is null ? null : System.Text.Json.JsonSerializer.Deserialize<IssueNonceRequest>(text, System.Text.Json.JsonSerializerOptions.Web);
        }
        catch (System.Text.Json.JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return Problem(ResolverStatus.Invalid, new ProtocolError("request.invalid_json", "The body must be a JSON object {\"app\", \"purpose\"}."));
        }

        var result = await nonces.IssueAsync(body, NoncePurposes.Resolver, ct).ConfigureAwait(false);
        return result.Nonce is not { } n
            ? Problem(ResolverStatus.Invalid, result.Error!)
            : Results.Json(new { nonce = n.Nonce, issuedAt = Dm3Siwe.FormatTimestamp(n.IssuedAt), expirationTime = Dm3Siwe.FormatTimestamp(n.ExpirationTime) }, statusCode: 201);
    }

    /// <summary>The one mapping of resolver outcomes to HTTP problems.</summary>
    internal static IResult Problem(ResolverStatus status, ProtocolError error)
    {
        var (code, title) = status switch
        {
            ResolverStatus.Unauthorized => (StatusCodes.Status401Unauthorized, "The wallet proof was not accepted."),
            ResolverStatus.NotFound => (StatusCodes.Status404NotFound, "Not found."),
            ResolverStatus.Conflict => (StatusCodes.Status409Conflict, "Conflict."),
            _ => (StatusCodes.Status400BadRequest, "The request is invalid."),
        };
        return Results.Problem(detail: error.Message, statusCode: code, title: title, extensions: new Dictionary<string, object?> { ["code"] = error.Code });
    }

    private static IResult TooLarge() =>
        Results.Problem(detail: $"The body is larger than {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large.",
            extensions: new Dictionary<string, object?> { ["code"] = "request.too_large" });
}
