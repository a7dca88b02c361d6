using System.Text.Json.Nodes;
using Dm3.App.Configuration;
using Dm3.App.Profiles;
using Dm3.Backend.Delivery;
using Dm3.Protocol.Json;

namespace Dm3.App.Delivery;

/// <summary>
/// <c>POST /rpc</c>, JSON-RPC 2.0 (wire formats §10.3 with the project's error format): every answer is a response
/// object echoing <c>id</c> (null when absent). The one mapping of delivery outcomes to JSON-RPC codes and HTTP statuses.
/// </summary>
internal static partial class JsonRpc
{
    public const string SubmitMessage = "dm3_submitMessage";
    public const string GetProperties = "dm3_getDeliveryServiceProperties";
    public const string GetProfileExtension = "dm3_getProfileExtension";

    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int Internal = -32000;

    public static async Task<IResult> HandleAsync(
        HttpRequest request, RuntimeSettings runtime, DeliverySettings settings, MessageSubmission messages, ProfileSubmission profiles,
        ILogger<MessageSubmission> logger, CancellationToken ct)
    {
        var (body, tooLarge) = await HttpBodies.ReadTextAsync(request, (int)Math.Min(runtime.Http.MaxRequestBodyBytes, int.MaxValue - 1), ct).ConfigureAwait(false);
        if (tooLarge)
        {
            // A JSON-RPC error object like every other answer, but with HTTP 413 like every other route (and like Kestrel
            // itself when a chunked body crosses Http__MaxRequestBodyBytes), so the limit has one status (wire formats §14.12).
            return Failure(null, InvalidRequest, "request.too_large", "The request body is too large.", StatusCodes.Status413PayloadTooLarge);
        }

        if (body is null)
        {
            return Failure(null, ParseError, "rpc.parse_error", "The body is not UTF-8 text.");
        }

        if (!CanonicalJson.TryParse(body, out var node, out var parseError))
        {
            return Failure(null, ParseError, "rpc.parse_error", "The body is not valid JSON: " + parseError.Message);
        }

        if (node is not JsonObject call)
        {
            return Failure(null, InvalidRequest, "rpc.not_object", "The request must be one JSON-RPC 2.0 request object (batches are not supported).");
        }

        var id = call["id"];
        if (id is not (null or JsonValue) || (id is JsonValue v && v.GetValueKind() is not (System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Number)))
        {
            return Failure(null, InvalidRequest, "rpc.bad_id", "id must be a string, a number or null.");
        }

        if (call["jsonrpc"] is not JsonValue version || !version.TryGetValue(out string? versionText) || versionText != "2.0"
            || call["method"] is not JsonValue m || !m.TryGetValue(out string? method))
        {
            return Failure(id, InvalidRequest, "rpc.invalid_request", "The request needs \"jsonrpc\": \"2.0\" and a string \"method\".");
        }

        try
        {
            return method switch
            {
                SubmitMessage => FromOutcome(id, (await messages.SubmitAsync(StringParam(call, 0), ct).ConfigureAwait(false)).Error, "OK"),
                GetProperties => Success(id, settings.PropertiesJson()),
                GetProfileExtension => await ExtensionAsync(id, call, profiles, ct).ConfigureAwait(false),
                _ => Failure(id, MethodNotFound, "rpc.method_not_found", "Method not found."),
            };
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            RpcFailed(logger, method, ex.GetType().Name);
            return Failure(id, Internal, "internal", "The request could not be completed; nothing was accepted.");
        }
    }

    private static async Task<IResult> ExtensionAsync(JsonNode? id, JsonObject call, ProfileSubmission profiles, CancellationToken ct)
    {
        var name = StringParam(call, 0);
        if (name is null)
        {
            return Failure(id, InvalidParams, "rpc.name_missing", "params[0] must be a name.");
        }

        var result = await profiles.GetExtensionAsync(name, ct).ConfigureAwait(false);
        return result.IsOk ? Success(id, result.Value!) : FromOutcome(id, result.Error, "");
    }

    private static string? StringParam(JsonObject call, int index) =>
        call["params"] is JsonArray array && array.Count > index && array[index] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private static IResult FromOutcome(JsonNode? id, DeliveryError? error, string result) => error is null
        ? Success(id, result)
        : Failure(id, Code(error.Kind), error.Code, error.Message);

    /// <summary>wire formats §10.3 code table.</summary>
    internal static int Code(DeliveryErrorKind kind) => kind switch
    {
        DeliveryErrorKind.InvalidRequest => InvalidRequest,
        DeliveryErrorKind.SpamRejected => -32010,
        DeliveryErrorKind.TooLarge => -32011,
        DeliveryErrorKind.UnknownReceiver => -32012,
        DeliveryErrorKind.Undecryptable => -32013,
        DeliveryErrorKind.NameNotResolved => -32014,
        _ => InvalidParams,
    };

    private static IResult Success(JsonNode? id, string result) =>
        Respond(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = result }, StatusCodes.Status200OK);

    /// <summary>
    /// HTTP 400 for -32700, -32600…-32602 and -32010…-32014; 500 for -32000 (wire formats §10.3); an oversized body
    /// passes 413 as <paramref name="status"/>.
    /// </summary>
    private static IResult Failure(JsonNode? id, int code, string reason, string message, int? status = null) => Respond(new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id?.DeepClone(),
        ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["data"] = new JsonObject { ["reason"] = reason } },
    }, status ?? (code == Internal ? StatusCodes.Status500InternalServerError : StatusCodes.Status400BadRequest));

    private static IResult Respond(JsonObject response, int status) =>
        Results.Content(CanonicalJson.Serialize(response), "application/json", System.Text.Encoding.UTF8, status);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Error, Message = "JSON-RPC {Method} failed internally ({ExceptionType}); answered -32000")]
    private static partial void RpcFailed(ILogger logger, string method, string exceptionType);
}
