using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Links;
using Dm3.Protocol.Siwe;

namespace Dm3.Backend.Lsp;

/// <summary><c>POST /lsp/v1/profiles/query</c> body <c>{"includeEscrow": bool}</c> (optional).</summary>
public sealed record QueryLspsRequest(bool IncludeEscrow);

/// <summary>
/// lspExists (§6.2, §16 item 12): one session point read, one partition read of the owner index. Each profile object
/// has <c>lspName</c>, <c>lspAddress</c>, <c>origin</c>, <c>createdAt</c>, <c>hasEscrow</c>; <c>creation</c> and
/// <c>escrow</c> only when the session has scope <c>escrow</c> and <c>includeEscrow</c> is true (then <c>creation</c> is
/// null for origin random). An owner with no LSP gets <c>[]</c>.
/// </summary>
public sealed class QueryLspsHandler(LspSessionAuth auth, OwnerIndex index, OwnerIndexKey indexKey, EscrowSealer escrow)
{
    public async Task<LspResult<JsonObject>> HandleAsync(string? bearerToken, QueryLspsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorized = await auth.AuthorizeAsync(bearerToken, LspScopes.Query, cancellationToken).ConfigureAwait(false);
        if (!authorized.IsOk)
        {
            return authorized.Error!;
        }

        var (session, app) = authorized.Value;
        var withEscrow = request.IncludeEscrow && session.Has(LspScopes.Escrow);
        var rows = await index.ReadAsync(indexKey.Partition(session.Owner, app.ParentName), cancellationToken).ConfigureAwait(false);
        var profiles = new JsonArray();
        foreach (var row in rows.Where(r => !r.Deleted && r.RowKey == OwnerIndex.ActiveRowKey))
        {
            var profile = new JsonObject
            {
                ["lspName"] = row.LspName,
                ["lspAddress"] = Ethereum.TryParseAddress(row.LspAddress, out var a, out _, requireChecksumIfMixedCase: false) ? Ethereum.ToChecksumAddress(a) : row.LspAddress,
                ["origin"] = row.Origin,
                ["createdAt"] = Dm3Siwe.FormatTimestamp(row.CreatedAt),
                ["hasEscrow"] = row.Escrow is not null,
            };
            if (withEscrow)
            {
                profile["creation"] = row.Creation?.ToJson();
                if (row.Escrow is not null)
                {
                    var keys = await escrow.OpenAsync(app.ParentName, row.LspName, session.Owner, row.Escrow, cancellationToken).ConfigureAwait(false);
                    profile["escrow"] = new JsonObject { ["walletPrivateKey"] = keys.WalletPrivateKey, ["profileSeed"] = keys.ProfileSeed };
                }
            }

            profiles.Add(profile);
        }

        return new JsonObject { ["profiles"] = profiles };
    }
}
