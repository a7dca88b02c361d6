using System.Security.Cryptography;
using System.Text;
using Dm3.Backend.Names;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;

namespace Dm3.Backend.Lsp;

/// <summary>Logical table names of the linked-profile API (the physical names get <c>Storage__TablePrefix</c>).</summary>
public static class LspTableNames
{
    /// <summary>Owner sessions: PK = sha256 hex of the bearer token, RK = "".</summary>
    public const string Sessions = "LspSessions";

    /// <summary>The private owner index (§6.1): PK = HMAC partition of (owner, app), RK = <see cref="OwnerIndex.ActiveRowKey"/> or an LSP name.</summary>
    public const string OwnerIndex = "LspOwners";

    /// <summary>Fixed-window rate counters: PK = limit key, RK = window start (unix seconds).</summary>
    public const string RateCounters = "RateCounters";
}

/// <summary>The linked-profile API's tables, each created on first use.</summary>
public sealed class LspStorage(ITableStore store, string sessionsTable, string ownerIndexTable, string rateCountersTable)
{
    public EnsuredTable Sessions { get; } = new(store, sessionsTable);

    public EnsuredTable OwnerIndex { get; } = new(store, ownerIndexTable);

    public EnsuredTable RateCounters { get; } = new(store, rateCountersTable);

    public IEnumerable<EnsuredTable> All => [Sessions, OwnerIndex, RateCounters];
}

/// <summary>
/// K_index (§6.1): a 256-bit secret (Key Vault secret in Azure, dev key locally). The owner address only ever enters
/// storage through this keyed hash, so a dump of the tables does not link owners to LSPs. Never log it.
/// </summary>
public sealed class OwnerIndexKey
{
    private readonly byte[] _key;

    public OwnerIndexKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
        {
            throw new ArgumentException("K_index has at least 256 bits.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary><c>hex(HMAC-SHA256(K_index, UTF-8(lowercase(W) + "\n" + P)))</c>.</summary>
    public string Partition(ReadOnlySpan<byte> owner20, string appParentName) =>
        Mac(Ethereum.ToLowerAddress(owner20) + "\n" + appParentName);

    /// <summary>The per-owner rate-limit key (a different input domain than <see cref="Partition"/>).</summary>
    public string OwnerRateKey(ReadOnlySpan<byte> owner20) => Mac("rate\n" + Ethereum.ToLowerAddress(owner20));

    private string Mac(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text)));

    public override string ToString() => "OwnerIndexKey(***)";
}
