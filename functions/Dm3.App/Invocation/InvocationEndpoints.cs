using System.Net;
using System.Text.Json;
using Dm3.App.Functions;
using Dm3.App.Logging;
using Dm3.App.Runtime;
using Dm3.Backend.Runtime;
using Microsoft.AspNetCore.Http.Features;

namespace Dm3.App.Invocation;

/// <summary>Marks the host-only invocation endpoints (POST /{FunctionName}); excluded from public-route checks and OpenAPI.</summary>
public sealed record InvocationEndpointMetadata(string FunctionName);

/// <summary>
/// The custom-handler invocation protocol (functions-custom-handler.md §4–§5): one explicit POST /{FunctionName}
/// route per queue or timer function (no catch-all), mapped only behind the host, accepted only from loopback.
/// Success: 200 application/json <c>{"Outputs":{},"Logs":[…],"ReturnValue":null}</c>; failure: non-2xx JSON, which
/// makes the host retry and finally poison / dead-letter the message.
/// </summary>
internal static class InvocationEndpoints
{
    private const long MaxInvocationBodyBytes = 1024 * 1024;

    public static void MapInvocationEndpoints(this IEndpointRouteBuilder endpoints, IEnumerable<FunctionDefinition> activeFunctions)
    {
        foreach (var function in activeFunctions)
        {
            if (function is QueueFunction or TimerFunction)
            {
                endpoints.MapPost("/" + function.Name, (HttpContext context, FunctionInvoker invoker, ILogger<FunctionInvoker> logger) =>
                        InvokeAsync(context, function, invoker, logger))
                    .ExcludeFromDescription()
                    .WithMetadata(new InvocationEndpointMetadata(function.Name));
            }
        }
    }

    internal static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private static async Task<IResult> InvokeAsync(HttpContext context, FunctionDefinition function, FunctionInvoker invoker, ILogger logger)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (!IsLoopback(remote))
        {
            Log.InvocationRefused(logger, function.Name, remote?.ToString() ?? "unknown");
            return Reply(StatusCodes.Status403Forbidden, "invocation endpoints accept loopback callers only", []);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxInvocationBodyBytes;
        }

        var headerId = context.Request.Headers["X-Azure-Functions-InvocationId"].ToString();
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex)
        {
            return Reply(ex.StatusCode, "invocation body rejected: " + ex.Message, []);
        }
        if (!InvocationPayload.TryParse(body, out var payload, out var payloadError))
        {
            Log.InvocationMalformed(logger, function.Name, headerId, payloadError);
            return Reply(StatusCodes.Status400BadRequest, payloadError, []);
        }
        var invocationId = headerId.Length > 0 ? headerId : payload.SysString("RandGuid") ?? Guid.NewGuid().ToString();

        return function switch
        {
            QueueFunction queue => await InvokeQueueAsync(context, queue, payload, invocationId, invoker, logger).ConfigureAwait(false),
            TimerFunction timer => await InvokeTimerAsync(context, timer, payload, invocationId, invoker).ConfigureAwait(false),
            _ => Reply(StatusCodes.Status404NotFound, "not an invocable function", []),
        };
    }

    private static async Task<IResult> InvokeQueueAsync(HttpContext context, QueueFunction function, InvocationPayload payload, string invocationId, FunctionInvoker invoker, ILogger logger)
    {
        if (!payload.TryGetTriggerBytes(QueueFunction.TriggerBindingName, out var bytes, out var dataError))
        {
            Log.InvocationMalformed(logger, function.Name, invocationId, dataError);
            return Reply(StatusCodes.Status400BadRequest, dataError, []);
        }
        // Storage Queue trigger: DequeueCount + Id; Service Bus trigger: DeliveryCount + MessageId.
        var attempt = payload.MetadataInt64("DequeueCount") ?? payload.MetadataInt64("DeliveryCount") ?? 1;
        var messageId = payload.MetadataString("Id") ?? payload.MetadataString("MessageId") ?? "";
        var deliveryContext = new DeliveryContext(attempt, messageId, function.Name, invocationId);

        var outcome = await invoker.RunQueueAsync(function, bytes, deliveryContext, context.RequestAborted).ConfigureAwait(false);
        return outcome.Status switch
        {
            InvocationStatus.Completed => Reply(StatusCodes.Status200OK, null, [$"{function.Name} completed message {outcome.PipelineId}"]),
            InvocationStatus.AlreadyProcessed => Reply(StatusCodes.Status200OK, null, [$"{function.Name} skipped message {outcome.PipelineId}: already processed"]),
            InvocationStatus.Malformed => Reply(StatusCodes.Status400BadRequest, outcome.Reason, [$"{function.Name} rejected a malformed message"]),
            _ => Reply(StatusCodes.Status500InternalServerError, outcome.Reason, [$"{function.Name} failed message {outcome.PipelineId} (attempt {attempt})"]),
        };
    }

    private static async Task<IResult> InvokeTimerAsync(HttpContext context, TimerFunction function, InvocationPayload payload, string invocationId, FunctionInvoker invoker)
    {
        var timer = payload.TriggerObject(TimerFunction.TriggerBindingName);
        var pastDue = timer is { } t && InvocationPayload.Property(t, "IsPastDue") is { } p
            && (p.ValueKind == JsonValueKind.True || (p.ValueKind == JsonValueKind.String && string.Equals(p.GetString(), "true", StringComparison.OrdinalIgnoreCase)));
        var scheduled = DateTimeOffset.TryParse(payload.SysString("UtcNow"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var now) ? now : DateTimeOffset.UtcNow;
        var outcome = await invoker.RunTimerAsync(function, new TimerContext(function.Name, scheduled, pastDue, invocationId), context.RequestAborted).ConfigureAwait(false);
        return outcome.Succeeded
            ? Reply(StatusCodes.Status200OK, null, [$"{function.Name} ran"])
            : Reply(StatusCodes.Status500InternalServerError, outcome.Reason, [$"{function.Name} failed"]);
    }

    /// <summary>Always a JSON object; failures add an "Error" member (ignored by the host, useful in its logs and tests).</summary>
    private static IResult Reply(int status, string? error, string[] logs)
    {
        var body = new Dictionary<string, object?>
        {
            ["Outputs"] = new Dictionary<string, object?>(),
            ["Logs"] = logs,
            ["ReturnValue"] = null,
        };
        if (error is not null)
        {
            body["Error"] = error;
        }
        return Results.Json(body, statusCode: status, contentType: "application/json; charset=utf-8");
    }
}
