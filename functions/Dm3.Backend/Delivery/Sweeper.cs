using System.Globalization;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.Backend.Delivery;

/// <summary>What one sweep removed: delivered inbox envelopes, envelopes still pending delivery, challenges.</summary>
public sealed record SweepResult(int InboxEnvelopes, int PendingEnvelopes, int Challenges);

/// <summary>
/// Timer function <c>Sweeper</c> (<c>%SweeperSchedule%</c>): when messageTTL &gt; 0, removes inbox rows that arrived
/// (were accepted) more than messageTTL ago (wire formats §10.4), delivered or still pending; always removes consumed
/// challenges that can no longer verify. Each step is a filtered scan with point deletes (an inbox row only if it has
/// not changed since the scan read it), so an interrupted sweep is simply continued by the next one.
/// </summary>
public sealed class SweeperHandler(DeliveryStorage storage, InboxStore inbox, DeliverySettings settings, TimeProvider time) : ITimerHandler
{
    public Task RunAsync(TimerContext context, CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        int delivered = 0, pending = 0;
        if (settings.MessageTtlMs > 0)
        {
            var cutoff = now.ToUnixTimeMilliseconds() - settings.MessageTtlMs;
            string? continuation = null;
            do
            {
                var (rows, next) = await inbox.FindArrivedBeforeAsync(cutoff, continuation, cancellationToken).ConfigureAwait(false);
                foreach (var (address, rowKey, isDelivered, etag) in rows)
                {
                    if (!await inbox.DeleteExpiredAsync(address, rowKey, etag, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    if (isDelivered)
                    {
                        delivered++;
                    }
                    else
                    {
                        pending++;
                    }
                }

                continuation = next;
            }
            while (continuation is not null);
        }

        var challenges = await DeleteWhereAsync(storage.Challenges,
            Authenticator.ExpiresAtColumn + " lt datetime'" + now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + "'",
            cancellationToken).ConfigureAwait(false);
        return new SweepResult(delivered, pending, challenges);
    }

    private static async Task<int> DeleteWhereAsync(Names.EnsuredTable table, string filter, CancellationToken cancellationToken)
    {
        var store = await table.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var count = 0;
        string? continuation = null;
        do
        {
            var page = await store.QueryAsync(table.Name, new TableQuery(filter, ["PartitionKey", "RowKey"], 1000), continuation, cancellationToken).ConfigureAwait(false);
            foreach (var row in page.Items)
            {
                if (await InboxStore.DeleteIfPresentAsync(store, table.Name, row.PartitionKey, row.RowKey, "*", cancellationToken).ConfigureAwait(false))
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
