using System.Globalization;
using System.Text;
using Dm3.App.Functions;
using Dm3.App.Runtime;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Dm3.Functions.Runtime;

/// <summary>
/// Runs a queue or timer function's handler for its trigger, through the same <see cref="FunctionInvoker"/> the
/// standalone pump uses (processed-id check, one log line per outcome). A message that can never succeed (malformed)
/// goes to <c>&lt;queue&gt;-poison</c> at once with its reason and the function returns, so the trigger deletes it; a
/// failed handler throws, so the trigger retries and poisons it after <c>maxDequeueCount</c> (host.json).
/// </summary>
public sealed class QueueFunctionRunner(FunctionCatalog catalog, StorageNames names, FunctionInvoker invoker, PoisonRecorder poison)
{
    /// <summary>The connection of every queue trigger: the <c>Storage__*</c> settings (queueServiceUri + identity, or ConnectionString).</summary>
    public const string Connection = "Storage";

    public async Task RunQueueAsync(string functionName, string message, FunctionContext context, CancellationToken cancellationToken)
    {
        var function = catalog.Find(functionName) as QueueFunction
            ?? throw new InvalidOperationException($"'{functionName}' is not a queue function of the catalog.");
        var data = context.BindingContext.BindingData;
        var dequeueCount = data.TryGetValue("DequeueCount", out var count) && long.TryParse(Convert.ToString(count, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1;
        var messageId = data.TryGetValue("Id", out var id) ? Convert.ToString(id, CultureInfo.InvariantCulture) ?? "" : "";
        var body = Encoding.UTF8.GetBytes(message);

        var outcome = await invoker.RunQueueAsync(function, body, new DeliveryContext(dequeueCount, messageId, functionName, context.InvocationId), cancellationToken).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case InvocationStatus.Malformed:
                await poison.RecordAsync(names.Queue(function.QueueSetting), Convert.ToBase64String(body), messageId, dequeueCount, functionName, null,
                    outcome.Reason ?? "malformed", cancellationToken).ConfigureAwait(false);
                break;
            case InvocationStatus.Failed:
                throw new QueueFunctionFailedException(functionName, outcome.Reason ?? "failed");
        }
    }

    public async Task RunTimerAsync(string functionName, TimerInfo timer, FunctionContext context, CancellationToken cancellationToken)
    {
        var function = catalog.Find(functionName) as TimerFunction
            ?? throw new InvalidOperationException($"'{functionName}' is not a timer function of the catalog.");
        var outcome = await invoker.RunTimerAsync(function, new TimerContext(functionName, DateTimeOffset.UtcNow, timer.IsPastDue, context.InvocationId), cancellationToken).ConfigureAwait(false);
        if (outcome.Status == InvocationStatus.Failed)
        {
            throw new QueueFunctionFailedException(functionName, outcome.Reason ?? "failed");
        }
    }
}

/// <summary>The handler failed (already logged with its reason); thrown so the trigger retries.</summary>
public sealed class QueueFunctionFailedException(string functionName, string reason) : Exception($"{functionName}: {reason}");
