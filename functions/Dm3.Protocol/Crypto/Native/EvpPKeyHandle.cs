using System.Runtime.InteropServices;

namespace Dm3.Protocol.Crypto.Native;

/// <summary>An owned <c>EVP_PKEY*</c>; freed exactly once, by Dispose or, for a cache entry whose thread died, by the finalizer.</summary>
internal sealed class EvpPKeyHandle : SafeHandle
{
    public EvpPKeyHandle(nint pkey)
        : base(0, ownsHandle: true)
    {
        SetHandle(pkey);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_PKEY_free(handle);
        return true;
    }
}
