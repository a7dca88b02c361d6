namespace Dm3.Backend.Ccip;

/// <summary>
/// CCIP-Read gateway settings (section <c>Gateway</c>): <c>Gateway__Resolvers__0__Address=0x…</c>,
/// <c>Gateway__Resolvers__0__Family=ens|dm3</c>, <c>Gateway__SignatureTtlSeconds=300</c>.
/// </summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The resolver contracts (EIP-3668 <c>sender</c>s) this gateway answers for.</summary>
    public List<GatewayResolverOptions> Resolvers { get; set; } = [];

    /// <summary>Lifetime of a signed answer (wire formats §12.5); the revocation bound of the system. Default 300 s.</summary>
    public int SignatureTtlSeconds { get; set; } = 300;

    /// <summary>Largest accepted GET URL (path and query), in characters (decisions §16).</summary>
    public int MaxUrlLength { get; set; } = 4000;

    /// <summary>Largest accepted calldata, in hex characters after <c>0x</c> (decisions §16: 16 KiB of hex).</summary>
    public int MaxCalldataHexLength { get; set; } = 16 * 1024;

    /// <summary>Upper bound of the in-memory answer cache (decisions §14).</summary>
    public int CacheMaxEntries { get; set; } = 10_000;
}

/// <summary>One resolver contract served by the gateway.</summary>
public sealed class GatewayResolverOptions
{
    /// <summary>The contract address (any case).</summary>
    public string Address { get; set; } = "";

    /// <summary><c>ens</c> (ENS OffchainResolver: raw digest, <c>resolve</c>) or <c>dm3</c> (ERC3668Resolver: EIP-191 digest, raw 20-byte addr).</summary>
    public string Family { get; set; } = "ens";
}
