using Dm3.Backend.Names;
using Dm3.Protocol.Links;
using Microsoft.Extensions.Logging;

namespace Dm3.Backend.Lsp;

/// <summary>
/// <c>DELETE /lsp/v1/profiles/{lspName}</c> (scope <c>delete</c>, §6.2, §7 "Deletion"): the owner's active LSP of the
/// session's app only (anything else is 404 <c>not_found</c>). The index row moves to a deleted row kept 30 days
/// without escrow (the escrow is erased), and the resolver name becomes a tombstone (profile and link record gone).
/// </summary>
public sealed class DeleteLspHandler(LspSessionAuth auth, OwnerIndex index, OwnerIndexKey indexKey, NameStore names, TimeProvider time,
    ILogger<DeleteLspHandler> logger)
{
    public async Task<LspResult<bool>> HandleAsync(string? bearerToken, string? lspName, CancellationToken cancellationToken)
    {
        var authorized = await auth.AuthorizeAsync(bearerToken, LspScopes.Delete, cancellationToken).ConfigureAwait(false);
        if (!authorized.IsOk)
        {
            return authorized.Error!;
        }

        var (session, app) = authorized.Value;
        var partition = indexKey.Partition(session.Owner, app.ParentName);
        var active = await index.GetActiveAsync(partition, cancellationToken).ConfigureAwait(false);
        if (active is null || !string.Equals(active.LspName, lspName, StringComparison.Ordinal))
        {
            return new LspError(LspErrorKind.NotFound, "This owner has no active LSP of that name for this app.");
        }

        var now = time.GetUtcNow();
        await index.WriteDeletedAsync(partition, active, now, cancellationToken).ConfigureAwait(false);
        if (!await index.RemoveActiveAsync(partition, active.ETag ?? "*", cancellationToken).ConfigureAwait(false))
        {
            return new LspError(LspErrorKind.NotFound, "The LSP changed meanwhile.");
        }

        // The tombstone must land even when a concurrent profile write moved the ETag: re-read and retry.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var record = await names.GetAsync(active.LspName, cancellationToken).ConfigureAwait(false);
            if (record is null
                || (await names.ReplaceAsync(record.ToTombstone(now), record.ETag ?? "*", cancellationToken).ConfigureAwait(false)).Status
                    is NameWriteStatus.Written or NameWriteStatus.Missing)
            {
                break;
            }
        }

        LspLog.Deleted(logger, active.LspName);
        return true;
    }
}
