using Azure.Data.Tables;

namespace Dm3.Bench.Runtime;

/// <summary>
/// Reads (PartitionKey, RowKey, Timestamp) of a table query straight through the SDK: the service's write time of each
/// row, which the program's adapter deliberately drops. Azurite runs on this machine, so its clock is ours.
/// </summary>
internal sealed class TableTimestamps(TableServiceClient service)
{
    public async Task<List<(string PartitionKey, string RowKey, DateTimeOffset Timestamp)>> QueryAsync(string table, string filter, CancellationToken cancellationToken)
    {
        var rows = new List<(string, string, DateTimeOffset)>();
        await foreach (var entity in service.GetTableClient(table).QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "Timestamp"], cancellationToken: cancellationToken))
        {
            rows.Add((entity.PartitionKey, entity.RowKey, entity.Timestamp ?? throw new InvalidOperationException("a row without Timestamp")));
        }

        return rows;
    }
}
