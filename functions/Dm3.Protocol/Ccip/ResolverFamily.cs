namespace Dm3.Protocol.Ccip;

/// <summary>The two deployed CCIP-Read resolver families (W§12.1). The gateway serves the one configured per sender.</summary>
public enum ResolverFamily
{
    /// <summary>ENS OffchainResolver: <c>resolve(bytes,bytes)</c>, signature over the raw message hash, <c>addr</c> as a 32-byte ABI word.</summary>
    EnsOffchainResolver = 1,

    /// <summary>dm3 ERC3668Resolver: <c>resolveWithContext(bytes,bytes,bytes)</c>, EIP-191 signature, <c>addr</c> as raw 20 bytes.</summary>
    Dm3Resolver = 2,
}
