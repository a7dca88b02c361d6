using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dm3.App.Functions;

public enum FunctionTransport { StorageQueues, ServiceBus }

/// <summary>
/// Writes <c>&lt;FunctionName&gt;/function.json</c> for every function of the catalog, for one transport
/// (decisions §1: one description, two transports). HTTP functions are forwarded (httpTrigger + http out, anonymous);
/// queue functions get a queueTrigger (connection "Storage") or a serviceBusTrigger (connection "ServiceBus"), both
/// with dataType binary and the queue name as <c>%Setting%</c>; timers get a timerTrigger with <c>%ScheduleSetting%</c>.
/// </summary>
public static class FunctionJsonWriter
{
    public const string StorageConnection = "Storage";
    public const string ServiceBusConnection = "ServiceBus";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject Build(FunctionDefinition function, FunctionTransport transport) => function switch
    {
        HttpFunction http => Bindings(
            new JsonObject
            {
                ["type"] = "httpTrigger",
                ["direction"] = "in",
                ["name"] = "req",
                ["authLevel"] = "anonymous",
                ["methods"] = new JsonArray(http.Methods.Select(m => (JsonNode)JsonValue.Create(m.ToLowerInvariant())).ToArray()),
                ["route"] = http.Route,
            },
            new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
        QueueFunction queue when transport == FunctionTransport.ServiceBus => Bindings(new JsonObject
        {
            ["type"] = "serviceBusTrigger",
            ["direction"] = "in",
            ["name"] = QueueFunction.TriggerBindingName,
            ["queueName"] = "%" + queue.QueueSetting + "%",
            ["connection"] = ServiceBusConnection,
            ["isSessionsEnabled"] = false,
            ["dataType"] = "binary",
        }),
        QueueFunction queue => Bindings(new JsonObject
        {
            ["type"] = "queueTrigger",
            ["direction"] = "in",
            ["name"] = QueueFunction.TriggerBindingName,
            ["queueName"] = "%" + queue.QueueSetting + "%",
            ["connection"] = StorageConnection,
            ["dataType"] = "binary",
        }),
        TimerFunction timer => Bindings(new JsonObject
        {
            ["type"] = "timerTrigger",
            ["direction"] = "in",
            ["name"] = TimerFunction.TriggerBindingName,
            ["schedule"] = "%" + timer.ScheduleSetting + "%",
            ["runOnStartup"] = false,
            ["useMonitor"] = true,
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function.GetType().Name, "Unknown function kind."),
    };

    /// <summary>Writes one folder per function under <paramref name="outputDirectory"/>; returns the files written.</summary>
    public static IReadOnlyList<string> WriteAll(IEnumerable<FunctionDefinition> functions, FunctionTransport transport, string outputDirectory)
    {
        var written = new List<string>();
        foreach (var function in functions)
        {
            var folder = Path.Combine(outputDirectory, function.Name);
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "function.json");
            File.WriteAllText(path, Build(function, transport).ToJsonString(Indented) + "\n");
            written.Add(path);
        }
        return written;
    }

    private static JsonObject Bindings(params JsonObject[] bindings) =>
        new() { ["bindings"] = new JsonArray(bindings.Cast<JsonNode>().ToArray()) };
}
