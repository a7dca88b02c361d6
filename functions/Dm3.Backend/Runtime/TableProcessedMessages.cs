using Dm3.Backend.Storage;

namespace Dm3.Backend.Runtime;

/// <summary>
/// <see cref="IProcessedMessages"/> over the <c>Processed</c> table: PartitionKey = function name,
/// RowKey = pipeline message id (decisions §26). Insert-if-absent, so two racing completions both succeed.
/// </summary>
public sealed class TableProcessedMessages(ITableStore tables, StorageNames names) : IProcessedMessages
{
    public const string LogicalTableName = "Processed";

    private string Table => names.Table(LogicalTableName);

    public async Task<bool> IsCompletedAsync(string functionName, string messageId, CancellationToken cancellationToken) =>
        await tables.GetAsync(Table, functionName, messageId, cancellationToken).ConfigureAwait(false) is not null;

    public async Task MarkCompletedAsync(string functionName, string messageId, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(functionName, messageId, new Dictionary<string, object?>
        {
            ["CompletedAt"] = DateTimeOffset.UtcNow,
        });
        var result = await tables.InsertAsync(Table, entity, cancellationToken).ConfigureAwait(false);
        if (result.Status is not (TableWriteStatus.Ok or TableWriteStatus.Conflict))
        {
            throw new InvalidOperationException($"Recording processed message failed with {result.Status}.");
        }
    }
}
