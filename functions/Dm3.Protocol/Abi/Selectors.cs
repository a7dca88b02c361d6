namespace Dm3.Protocol.Abi;

/// <summary>
/// Function and error selectors used by ENS resolution and CCIP-Read (big-endian <c>uint</c> of the first 4 bytes of
/// keccak256 of the canonical signature; the tests recompute each from its signature).
/// </summary>
public static class Selectors
{
    /// <summary><c>resolve(bytes,bytes)</c> — ENSIP-10 IExtendedResolver / ENS OffchainResolver gateway call.</summary>
    public const uint Resolve = 0x9061b923;

    /// <summary><c>resolveWithContext(bytes,bytes,bytes)</c> — dm3 ERC3668Resolver gateway call.</summary>
    public const uint ResolveWithContext = 0xf8c30f63;

    /// <summary><c>resolveWithProof(bytes,bytes)</c> — the OffchainLookup callback of both resolver families.</summary>
    public const uint ResolveWithProof = 0xf4d4d2f8;

    /// <summary><c>text(bytes32,string)</c>.</summary>
    public const uint Text = 0x59d1d43c;

    /// <summary><c>addr(bytes32)</c>.</summary>
    public const uint Addr = 0x3b3b57de;

    /// <summary><c>addr(bytes32,uint256)</c> (ENSIP-9 multi-coin).</summary>
    public const uint AddrCoin = 0xf1cb7e06;

    /// <summary><c>contenthash(bytes32)</c>.</summary>
    public const uint ContentHash = 0xbc1c58d1;

    /// <summary><c>multicall(bytes[])</c>.</summary>
    public const uint Multicall = 0xac9650d8;

    /// <summary>The error <c>OffchainLookup(address,string[],bytes,bytes4,bytes)</c> (EIP-3668).</summary>
    public const uint OffchainLookup = 0x556f1830;
}
