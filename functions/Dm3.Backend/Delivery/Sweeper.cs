using System.Globalization;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.Backend.Delivery;

/// <summary>What one sweep removed.</summary>
public sealed record SweepResult(int InboxEnvelopes, int PendingEnvelopes, int Challenges);

/// <summary>
/// Timer function <c>Sweeper</c> (<c>%SweeperSchedule%</c>): when messageTTL &gt; 0, removes inbox envelopes that
/// arrived more than messageTTL ago (wire formats §10.4) and pending envelopes accepted that long ago; always removes
/// consumed challenges that can no longer verify. Each step is a filtered scan with point deletes, so an interrupted
/// sweep is simply continued by the next one.
/// </summary>
public sealed class SweeperHandler(DeliveryStorage storage, InboxStore inbox, DeliverySettings settings, TimeProvider time) : ITimerHandler
{
    public Task RunAsync(TimerContext context, CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        int inboxCount = 0, pendingCount = 0;
        if (settings.MessageTtlMs > 0)
        {
            var cutoff = now.ToUnixTimeMilliseconds() - settings.MessageTtlMs;
            string? continuation = null;
            do
            {
                var (rows, next) = await inbox.FindArrivedBeforeAsync(cutoff, continuation, cancellationToken).ConfigureAwait(false);
                foreach (var (address, key) in rows)
                {
                    await inbox.DeleteArrivalAsync(address, key, cancellationToken).ConfigureAwait(false);
                    inboxCount++;
                }

                continuation = next;
            }
            while (continuation is not null);

            pendingCount = await DeleteWhereAsync(storage.Envelopes,
                MessageSubmission.AcceptedAtColumn + " lt " + cutoff.ToString(CultureInfo.InvariantCulture) + "L", cancellationToken).ConfigureAwait(false);
        }

        var challenges = await DeleteWhereAsync(storage.Challenges,
            Authenticator.ExpiresAtColumn + " lt datetime'" + now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + "'",
            cancellationToken).ConfigureAwait(false);
        return new SweepResult(inboxCount, pendingCount, challenges);
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
                await InboxStore.DeleteIfPresentAsync(store, table.Name, row.PartitionKey, row.RowKey, cancellationToken).ConfigureAwait(false);
                count++;
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);

        return count;
    }
}
