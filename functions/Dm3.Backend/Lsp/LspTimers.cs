using Dm3.Backend.Nonces;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace Dm3.Backend.Lsp;

/// <summary>What one LSP sweep removed.</summary>
public sealed record LspSweepResult(int Nonces, int Sessions, int Counters, int DeletedIndexRows);

/// <summary>
/// Timer <c>LspSweeper</c>: Table Storage has no TTL, so this removes expired nonces (every purpose), expired owner
/// sessions, expired rate-counter windows and deleted owner-index rows older than 30 days (§6.1). The backend keeps no
/// seen-signature or pending rows (those sets live in the clients, §8.3/§8.4). Each step is a filtered scan with point
/// deletes, so an interrupted sweep is continued by the next run.
/// </summary>
public sealed class LspSweeperHandler(LspStorage storage, NonceService nonces, TimeProvider time, ILogger<LspSweeperHandler> logger) : ITimerHandler
{
    public Task RunAsync(TimerContext context, CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    public async Task<LspSweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var removedNonces = await nonces.RemoveExpiredAsync(cancellationToken).ConfigureAwait(false);
        var sessions = await storage.Sessions.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var removedSessions = await TableSweep.DeleteWhereAsync(sessions, storage.Sessions.Name, TableSweep.Before(LspSessionStore.ExpiresAtColumn, now), cancellationToken)
            .ConfigureAwait(false);
        var counters = await storage.RateCounters.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var removedCounters = await TableSweep.DeleteWhereAsync(counters, storage.RateCounters.Name, TableSweep.Before(RateLimiter.ExpiresAtColumn, now), cancellationToken)
            .ConfigureAwait(false);
        var index = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var removedDeleted = await TableSweep.DeleteWhereAsync(index, storage.OwnerIndex.Name,
            TableFilter.And(OwnerIndex.StateColumn + " eq " + TableFilter.Quote(OwnerIndex.DeletedState),
                TableSweep.Before(OwnerIndex.DeletedAtColumn, now - OwnerIndex.DeletedRetention)), cancellationToken).ConfigureAwait(false);
        LspLog.Swept(logger, removedNonces, removedSessions, removedCounters, removedDeleted);
        return new LspSweepResult(removedNonces, removedSessions, removedCounters, removedDeleted);
    }
}

/// <summary>
/// Timer <c>EscrowRewrap</c> (§7 "Rotation"): finds escrow rows whose key id is not the wrapper's current versioned key
/// id and re-wraps their data keys under it (ciphertexts untouched), each write guarded by the row's ETag.
/// </summary>
public sealed class EscrowRewrapHandler(LspStorage storage, EscrowSealer sealer, OwnerIndex index, ILogger<EscrowRewrapHandler> logger) : ITimerHandler
{
    public Task RunAsync(TimerContext context, CancellationToken cancellationToken) => RewrapAsync(cancellationToken);

    public async Task<int> RewrapAsync(CancellationToken cancellationToken)
    {
        var current = await sealer.CurrentKeyIdAsync(cancellationToken).ConfigureAwait(false);
        var table = await storage.OwnerIndex.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var filter = OwnerIndex.EscrowKidColumn + " ne " + TableFilter.Quote(current);
        var count = 0;
        string? continuation = null;
        do
        {
            var page = await table.QueryAsync(storage.OwnerIndex.Name, new TableQuery(filter), continuation, cancellationToken).ConfigureAwait(false);
            foreach (var row in page.Items)
            {
                var entry = OwnerIndex.FromEntity(row);
                if (entry.Escrow is null)
                {
                    continue;
                }

                var rewrapped = await sealer.RewrapAsync(entry.Escrow, cancellationToken).ConfigureAwait(false);
                if (await index.ReplaceEscrowAsync(row.PartitionKey, row.RowKey, rewrapped, row.ETag ?? "*", cancellationToken).ConfigureAwait(false))
                {
                    count++;
                }
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);

        LspLog.Rewrapped(logger, count);
        return count;
    }
}
