using System.Text.Json;
using Dm3.App.Configuration;
using Dm3.App.Profiles;
using Dm3.Backend.Delivery;

namespace Dm3.App.Delivery;

/// <summary>The dm3 delivery-service routes (wire formats §10, decisions §9–§11). Thin: bind, call, map.</summary>
internal static class DeliveryEndpoints
{
    /// <summary>Largest body of the auth, profile and acknowledgement routes.</summary>
    public const int MaxSmallBodyBytes = 256 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").WithTags("Delivery");
        group.MapGet(DeliveryFeature.HelloRoute, Hello).WithName(DeliveryFeature.HelloFunction);
        group.MapGet(DeliveryFeature.AuthRoute, ChallengeAsync).WithName(DeliveryFeature.ChallengeFunction);
        group.MapPost(DeliveryFeature.AuthRoute, LoginAsync).WithName(DeliveryFeature.LoginFunction);
        group.MapGet(DeliveryFeature.ProfileRoute, GetProfileAsync).WithName(DeliveryFeature.GetProfileFunction);
        group.MapPost(DeliveryFeature.ProfileRoute, SubmitProfileAsync).WithName(DeliveryFeature.SubmitProfileFunction);
        group.MapPost(DeliveryFeature.RpcRoute, JsonRpc.HandleAsync).WithName(DeliveryFeature.RpcFunction);
        group.MapGet(DeliveryFeature.IncomingRoute, IncomingAsync).WithName(DeliveryFeature.IncomingFunction);
        group.MapPost(DeliveryFeature.AcknowledgeRoute, AcknowledgeAsync).WithName(DeliveryFeature.AcknowledgeFunction);
    }

    internal static IResult Hello() => Results.Text("Hello DM3", "text/plain");

    internal static async Task<IResult> ChallengeAsync(string name, Authenticator auth, CancellationToken ct) =>
        DeliveryHttp.JsonString(await auth.IssueChallengeAsync(name, ct).ConfigureAwait(false));

    internal static async Task<IResult> LoginAsync(string name, HttpRequest request, Authenticator auth, CancellationToken ct)
    {
        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, MaxSmallBodyBytes, ct).ConfigureAwait(false);
        return tooLarge ? DeliveryHttp.TooLarge() : DeliveryHttp.JsonString(await auth.LoginAsync(name, body, ct).ConfigureAwait(false));
    }

    internal static async Task<IResult> GetProfileAsync(string name, ProfileSubmission profiles, CancellationToken ct)
    {
        var result = await profiles.GetAsync(name, ct).ConfigureAwait(false);
        return result.IsOk ? Results.Text(result.Value, "application/json") : DeliveryHttp.Error(result.Error!);
    }

    internal static async Task<IResult> SubmitProfileAsync(string name, HttpRequest request, ProfileSubmission profiles, CancellationToken ct)
    {
        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, MaxSmallBodyBytes, ct).ConfigureAwait(false);
        if (tooLarge)
        {
            return DeliveryHttp.TooLarge();
        }

        var result = await profiles.SubmitAsync(name, body, ct).ConfigureAwait(false);
        return result.IsOk ? DeliveryHttp.JsonString(result.Value!.Token) : DeliveryHttp.Error(result.Error!);
    }

    internal static async Task<IResult> IncomingAsync(string name, HttpContext http, Authenticator auth, IncomingMessages incoming, CancellationToken ct)
    {
        var caller = await auth.AuthorizeAsync(name, http.Request.Headers.Authorization, ct).ConfigureAwait(false);
        if (!caller.IsOk)
        {
            return DeliveryHttp.Error(caller.Error!);
        }

        var page = await incoming.ReadAsync(caller.Value!, http.Request.Query["limit"], http.Request.Query["cursor"], ct).ConfigureAwait(false);
        if (page.Value?.NextCursor is { } next)
        {
            http.Response.Headers[DeliveryHttp.NextCursorHeader] = next;
        }

        return page.IsOk ? Results.Text(page.Value!.EnvelopesJson, "application/json") : DeliveryHttp.Error(page.Error!);
    }

    internal static async Task<IResult> AcknowledgeAsync(string name, HttpRequest request, Authenticator auth, IncomingMessages incoming, CancellationToken ct)
    {
        var caller = await auth.AuthorizeAsync(name, request.Headers.Authorization, ct).ConfigureAwait(false);
        if (!caller.IsOk)
        {
            return DeliveryHttp.Error(caller.Error!);
        }

        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, MaxSmallBodyBytes, ct).ConfigureAwait(false);
        var result = tooLarge ? default : await incoming.AcknowledgeAsync(caller.Value!, body, ct).ConfigureAwait(false);
        return tooLarge ? DeliveryHttp.TooLarge() : result.IsOk ? Results.Ok() : DeliveryHttp.Error(result.Error!);
    }
}

/// <summary>The one mapping of delivery outcomes to HTTP responses (non-JSON-RPC routes).</summary>
internal static class DeliveryHttp
{
    public const string NextCursorHeader = Web.CorsPolicies.NextCursorHeader;

    /// <summary>dm3 answers tokens and challenges as a JSON string body.</summary>
    public static IResult JsonString(DeliveryResult<string> result) =>
        result.IsOk ? Results.Text(JsonSerializer.Serialize(result.Value), "application/json") : Error(result.Error!);

    /// <summary>400 / 401 / 404 / 409 with <c>{"error": message, "code": code}</c> (dm3 clients read <c>error</c>).</summary>
    public static IResult Error(DeliveryError error)
    {
        var status = error.Kind switch
        {
            DeliveryErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
            DeliveryErrorKind.UnknownReceiver => StatusCodes.Status404NotFound,
            DeliveryErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        return Results.Json(new ErrorBody(error.Message, error.Code), statusCode: status);
    }

    public static IResult TooLarge() =>
        Results.Json(new ErrorBody($"The body is larger than {DeliveryEndpoints.MaxSmallBodyBytes} bytes.", "request.too_large"), statusCode: StatusCodes.Status413PayloadTooLarge);

    internal sealed record ErrorBody(string Error, string Code);
}
