using Dm3.App.Profiles;
using Dm3.Backend.Ccip;

namespace Dm3.App.Ccip;

/// <summary>The CCIP-Read gateway routes (wire formats §12.2): GET /ccip/{sender}/{data}[.json] and POST /ccip. Shared by both hosts.</summary>
internal static class GatewayEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(GatewayFeature.GetRoute, GetAsync).WithName(GatewayFeature.GetFunction).WithTags("Gateway");
        endpoints.MapPost(GatewayFeature.PostRoute, PostAsync).WithName(GatewayFeature.PostFunction).WithTags("Gateway");
    }

    internal static async Task<IResult> GetAsync(string sender, string data, HttpRequest request, CcipGateway gateway, GatewayOptions options, CancellationToken ct)
    {
        if (request.Path.Value!.Length + request.QueryString.Value!.Length > options.MaxUrlLength)
        {
            return Message(StatusCodes.Status414UriTooLong, $"the URL is longer than {options.MaxUrlLength} characters");
        }

        return Map(await gateway.ResolveAsync(CcipGatewayRequest.FromGet(sender, data), ct).ConfigureAwait(false));
    }

    internal static async Task<IResult> PostAsync(HttpRequest request, CcipGateway gateway, GatewayOptions options, CancellationToken ct)
    {
        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, options.MaxCalldataHexLength + 1024, ct).ConfigureAwait(false);
        if (tooLarge)
        {
            return Message(StatusCodes.Status413PayloadTooLarge, "the request body is too large");
        }

        return CcipGatewayRequest.TryParsePost(body, out var parsed, out var error)
            ? Map(await gateway.ResolveAsync(parsed, ct).ConfigureAwait(false))
            : Message(StatusCodes.Status400BadRequest, error);
    }

    /// <summary>The one mapping of gateway outcomes to HTTP (errors are <c>{"message"}</c>, never ProblemDetails).</summary>
    internal static IResult Map(CcipGatewayResult result) => result.Status switch
    {
        CcipStatus.Answered => Results.Bytes(result.Body!, "application/json"),
        CcipStatus.UnknownSender => Message(StatusCodes.Status404NotFound, result.Message!),
        _ => Message(StatusCodes.Status400BadRequest, result.Message!),
    };

    private static IResult Message(int status, string message) => Results.Json(new GatewayError(message), statusCode: status);

    internal sealed record GatewayError(string Message);
}
