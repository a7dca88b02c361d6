using System.Globalization;

namespace Dm3.Backend.Storage;

/// <summary>Filtered scans with point deletes for sweeper timers (Table Storage has no TTL).</summary>
public static class TableSweep
{
    /// <summary>An OData filter <c>&lt;column&gt; lt datetime'…'</c>.</summary>
    public static string Before(string column, DateTimeOffset instant) =>
        column + " lt datetime'" + instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + "'";

    /// <summary>Deletes every row matching <paramref name="filter"/>; rows removed concurrently are skipped. Returns the count removed.</summary>
    public static async Task<int> DeleteWhereAsync(ITableStore store, string table, string filter, CancellationToken cancellationToken)
    {
        var count = 0;
        string? continuation = null;
        do
        {
            var page = await store.QueryAsync(table, new TableQuery(filter, ["PartitionKey", "RowKey"], 1000), continuation, cancellationToken).ConfigureAwait(false);
            foreach (var row in page.Items)
            {
                var result = await store.DeleteAsync(table, row.PartitionKey, row.RowKey, "*", cancellationToken).ConfigureAwait(false);
                if (result.IsOk)
                {
                    count++;
                }
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);

        return count;
    }
}
