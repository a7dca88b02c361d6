using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dm3.App.Tests.Runtime.Support;

/// <summary>
/// Invocation bodies exactly as the Functions host sends them (functions-custom-handler.md §4.1–§4.3): top-level
/// strings JSON-encoded a second time, counts as strings, the trigger's bytes base64 (dataType binary).
/// </summary>
internal static class HostPayloads
{
    public static string Quote(string value) => JsonSerializer.Serialize(value);

    public static byte[] PipelineBody(string id, string reference, string kind = "diagnostic") =>
        Encoding.UTF8.GetBytes(new JsonObject { ["id"] = id, ["kind"] = kind, ["ref"] = reference }.ToJsonString());

    public static byte[] StorageQueue(string functionName, byte[] body, int dequeueCount, string? messageId = null)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { ["message"] = Convert.ToBase64String(body) },
            ["Metadata"] = new JsonObject
            {
                ["DequeueCount"] = dequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ExpirationTime"] = now.AddDays(7).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
                ["Id"] = Quote(messageId ?? Guid.NewGuid().ToString()),
                ["InsertionTime"] = now.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
                ["NextVisibleTime"] = now.AddMinutes(10).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
                ["PopReceipt"] = Quote("AgAAAAMAAAAAAAAA2x4nTtXQ2wE="),
                ["sys"] = Sys(functionName),
            },
        };
        return Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    public static byte[] ServiceBus(string functionName, byte[] body, int deliveryCount, string? messageId = null)
    {
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { ["message"] = Convert.ToBase64String(body) },
            ["Metadata"] = new JsonObject
            {
                ["MessageId"] = Quote(messageId ?? "01J0ZK3Q8W"),
                ["DeliveryCount"] = deliveryCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["SequenceNumber"] = "42",
                ["EnqueuedTimeUtc"] = "2025-06-01T10:00:04",
                ["EnqueuedTime"] = "2025-06-01T10:00:04+00:00",
                ["ExpiresAtUtc"] = "9999-12-31T23:59:59",
                ["ExpiresAt"] = "9999-12-31T23:59:59+00:00",
                ["LockToken"] = Quote(Guid.NewGuid().ToString()),
                ["ContentType"] = Quote("application/json"),
                ["ApplicationProperties"] = new JsonObject { ["schema"] = "dm3.pipeline/1", ["attempt"] = 2 },
                ["UserProperties"] = new JsonObject { ["schema"] = "dm3.pipeline/1", ["attempt"] = 2 },
                ["MessageActions"] = new JsonObject(),
                ["Client"] = new JsonObject { ["FullyQualifiedNamespace"] = "dm3-sb.servicebus.windows.net" },
                ["sys"] = Sys(functionName),
            },
        };
        return Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    public static byte[] Timer(string functionName, bool isPastDue)
    {
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject
            {
                ["timer"] = new JsonObject
                {
                    ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                    ["ScheduleStatus"] = new JsonObject
                    {
                        ["Last"] = "2025-06-01T09:45:00+00:00",
                        ["Next"] = "2025-06-01T10:00:00+00:00",
                        ["LastUpdated"] = "2025-06-01T09:45:00.0163+00:00",
                    },
                    ["IsPastDue"] = isPastDue,
                },
            },
            ["Metadata"] = new JsonObject { ["sys"] = Sys(functionName) },
        };
        return Encoding.UTF8.GetBytes(payload.ToJsonString());
    }

    public static Dictionary<string, string> Headers(string invocationId) => new()
    {
        ["X-Azure-Functions-InvocationId"] = invocationId,
        ["X-Azure-Functions-HostVersion"] = "4.1040.300.25317",
        ["User-Agent"] = "Azure-Functions-Host/4.1040.300.25317",
    };

    private static JsonObject Sys(string functionName) => new()
    {
        ["MethodName"] = functionName,
        ["UtcNow"] = DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["RandGuid"] = Guid.NewGuid().ToString(),
    };
}
