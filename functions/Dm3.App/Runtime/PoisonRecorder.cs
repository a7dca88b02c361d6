using Dm3.Adapters.Queues;
using Dm3.App.Logging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Runtime;

/// <summary>
/// Moves a message to <c>&lt;queue&gt;-poison</c> (same text, as the host does) and records why: an error log line and
/// a row in the <c>PoisonReasons</c> table (PartitionKey = poison queue, RowKey = original queue message id).
/// </summary>
public sealed class PoisonRecorder(IStorageQueueClient queues, ITableStore tables, StorageNames names, ILogger<PoisonRecorder> logger)
{
    public const string LogicalTableName = "PoisonReasons";

    /// <summary>Standalone pump: records the message in the poison queue, then deletes it from its queue.</summary>
    public async Task MoveToPoisonAsync(string queue, ReceivedQueueMessage message, string functionName, string? pipelineId, string reason, CancellationToken cancellationToken)
    {
        await RecordAsync(queue, message.MessageText, message.MessageId, message.DequeueCount, functionName, pipelineId, reason, cancellationToken).ConfigureAwait(false);
        await queues.DeleteAsync(queue, message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="messageText"/> (the queue's Base64 text) to <c>&lt;queue&gt;-poison</c> and records why. The
    /// worker's queue function calls this for a message that can never succeed and then returns, so the trigger deletes it.
    /// </summary>
    public async Task RecordAsync(string queue, string messageText, string messageId, long dequeueCount, string functionName, string? pipelineId, string reason, CancellationToken cancellationToken)
    {
        var poison = StorageNames.PoisonQueueOf(queue);
        await queues.SendAsync(poison, messageText, visibilityDelay: null, cancellationToken).ConfigureAwait(false);
        Log.MessagePoisoned(logger, messageId, queue, poison, dequeueCount, functionName, pipelineId, reason);
        try
        {
            var row = new TableEntity(poison, messageId, new Dictionary<string, object?>
            {
                ["FunctionName"] = functionName,
                ["PipelineId"] = pipelineId,
                ["Reason"] = reason.Length <= 4000 ? reason : reason[..4000],
                ["DequeueCount"] = dequeueCount,
                ["PoisonedAt"] = DateTimeOffset.UtcNow,
            });
            await tables.UpsertAsync(names.Table(LogicalTableName), row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The log line above already carries the reason; the row is a convenience.
            Log.PumpSettleFailed(logger, messageId, queue, "recording the poison reason failed: " + ex.Message);
        }
    }
}
