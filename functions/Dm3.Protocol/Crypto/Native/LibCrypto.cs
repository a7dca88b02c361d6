using System.Reflection;
using System.Runtime.InteropServices;

namespace Dm3.Protocol.Crypto.Native;

/// <summary>
/// P/Invoke surface of OpenSSL's libcrypto (3.x) for X25519 and Ed25519 through the EVP API. The library is the one
/// .NET itself uses on Linux (<c>libcrypto.so.3</c>); it is loaded lazily by <see cref="TryInitialize"/>, which also
/// checks every entry point, so that a missing library or symbol leads to the managed fallback instead of an exception.
/// Nothing here is called unless <see cref="TryInitialize"/> returned true.
/// </summary>
internal static unsafe partial class LibCrypto
{
    public const int NidX25519 = 1034;
    public const int NidEd25519 = 1087;

    /// <summary>A private name resolved by our own <see cref="DllImportResolver"/> to the handle loaded below.</summary>
    private const string LibraryName = "dm3-openssl-libcrypto";

    // The sonames .NET's System.Security.Cryptography.Native.OpenSsl tries for OpenSSL 3, in the same order.
    private static readonly string[] Candidates = ["libcrypto.so.3", "libcrypto.so"];

    private static readonly string[] RequiredExports =
    [
        "OpenSSL_version_num", "ERR_clear_error",
        "EVP_PKEY_new_raw_private_key", "EVP_PKEY_new_raw_public_key", "EVP_PKEY_get_raw_public_key", "EVP_PKEY_free",
        "EVP_PKEY_CTX_new", "EVP_PKEY_CTX_free", "EVP_PKEY_derive_init", "EVP_PKEY_derive_set_peer", "EVP_PKEY_derive",
        "EVP_MD_CTX_new", "EVP_MD_CTX_free", "EVP_DigestSignInit", "EVP_DigestSign", "EVP_DigestVerifyInit", "EVP_DigestVerify",
    ];

    private static readonly Lock InitLock = new();
    private static nint _handle;
    private static int _state; // 0 = not tried, 1 = available, -1 = unavailable

    /// <summary>The file name that was loaded, or null (for diagnostics and tests).</summary>
    public static string? LoadedLibrary { get; private set; }

    /// <summary>OpenSSL_version_num() of the loaded library, or 0.</summary>
    public static ulong VersionNumber { get; private set; }

    /// <summary>Loads libcrypto once (thread-safe). False when it is absent, too old, or lacks an entry point.</summary>
    public static bool TryInitialize()
    {
        var state = Volatile.Read(ref _state);
        if (state != 0)
        {
            return state > 0;
        }

        lock (InitLock)
        {
            if (_state == 0)
            {
                _state = Load() ? 1 : -1;
            }

            return _state > 0;
        }
    }

    private static bool Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false; // other platforms: the managed implementation (their libcrypto is not guaranteed to be present)
        }

        foreach (var candidate in Candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                continue;
            }

            if (!RequiredExports.All(name => NativeLibrary.TryGetExport(handle, name, out _)))
            {
                NativeLibrary.Free(handle);
                continue;
            }

            _handle = handle;
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(LibCrypto).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // Another resolver is already registered for this assembly: we cannot route our imports.
                _handle = 0;
                NativeLibrary.Free(handle);
                return false;
            }

            var version = (ulong)OpenSSL_version_num();
            if (version < 0x3000_0000UL)
            {
                // Only the OpenSSL 3 behaviour is covered by the backend-equivalence tests.
                return false;
            }

            VersionNumber = version;
            LoadedLibrary = candidate;
            return true;
        }

        return false;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? _handle : 0;

    [LibraryImport(LibraryName)]
    internal static partial nuint OpenSSL_version_num();

    [LibraryImport(LibraryName)]
    internal static partial void ERR_clear_error();

    [LibraryImport(LibraryName)]
    internal static partial nint EVP_PKEY_new_raw_private_key(int type, nint engine, byte* key, nuint keyLength);

    [LibraryImport(LibraryName)]
    internal static partial nint EVP_PKEY_new_raw_public_key(int type, nint engine, byte* key, nuint keyLength);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_get_raw_public_key(nint pkey, byte* publicKey, nuint* length);

    [LibraryImport(LibraryName)]
    internal static partial void EVP_PKEY_free(nint pkey);

    [LibraryImport(LibraryName)]
    internal static partial nint EVP_PKEY_CTX_new(nint pkey, nint engine);

    [LibraryImport(LibraryName)]
    internal static partial void EVP_PKEY_CTX_free(nint ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_derive_init(nint ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_derive_set_peer(nint ctx, nint peer);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_PKEY_derive(nint ctx, byte* key, nuint* keyLength);

    [LibraryImport(LibraryName)]
    internal static partial nint EVP_MD_CTX_new();

    [LibraryImport(LibraryName)]
    internal static partial void EVP_MD_CTX_free(nint ctx);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_DigestSignInit(nint ctx, nint pkeyCtxOut, nint type, nint engine, nint pkey);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_DigestSign(nint ctx, byte* signature, nuint* signatureLength, byte* data, nuint dataLength);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_DigestVerifyInit(nint ctx, nint pkeyCtxOut, nint type, nint engine, nint pkey);

    [LibraryImport(LibraryName)]
    internal static partial int EVP_DigestVerify(nint ctx, byte* signature, nuint signatureLength, byte* data, nuint dataLength);
}
