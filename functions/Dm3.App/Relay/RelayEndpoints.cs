using Dm3.App.Delivery;
using Dm3.App.Profiles;
using Dm3.Backend.Delivery;
using Dm3.Backend.Relay;

namespace Dm3.App.Relay;

/// <summary><c>POST /outbox</c> (202 with the entry) and <c>GET /outbox/{id}</c>. Thin: authorise, bind, call, map.</summary>
internal static class RelayEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").WithTags("Relay");
        group.MapPost(RelayFeature.SubmitRoute, SubmitAsync).WithName(RelayFeature.SubmitFunction);
        group.MapGet(RelayFeature.StatusRoute, StatusAsync).WithName(RelayFeature.StatusFunction);
    }

    internal static async Task<IResult> SubmitAsync(HttpRequest request, Authenticator auth, OutboxSubmission outbox, DeliverySettings settings, CancellationToken ct)
    {
        var caller = await auth.AuthorizeBearerAsync(request.Headers.Authorization, ct).ConfigureAwait(false);
        if (!caller.IsOk)
        {
            return DeliveryHttp.Error(caller.Error!);
        }

        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, settings.SizeLimit * 2 + 4096, ct).ConfigureAwait(false);
        if (tooLarge)
        {
            return DeliveryHttp.TooLarge();
        }

        var result = await outbox.SubmitAsync(caller.Value!, body, ct).ConfigureAwait(false);
        return result.IsOk ? Results.Json(result.Value, statusCode: StatusCodes.Status202Accepted) : DeliveryHttp.Error(result.Error!);
    }

    internal static async Task<IResult> StatusAsync(string id, HttpRequest request, Authenticator auth, OutboxSubmission outbox, CancellationToken ct)
    {
        var caller = await auth.AuthorizeBearerAsync(request.Headers.Authorization, ct).ConfigureAwait(false);
        if (!caller.IsOk)
        {
            return DeliveryHttp.Error(caller.Error!);
        }

        var result = await outbox.GetAsync(caller.Value!, id, ct).ConfigureAwait(false);
        return result.IsOk ? Results.Json(result.Value) : DeliveryHttp.Error(result.Error!);
    }
}
