using System.Security.Cryptography;

namespace Dm3.Protocol.Crypto.Native;

/// <summary>
/// Ed25519 (pure, RFC 8032) through OpenSSL (EVP_PKEY, NID_ED25519, EVP_DigestSign/Verify). Only called after
/// <see cref="LibCrypto.TryInitialize"/> returned true. Signing key objects (validated against the public half of the
/// libsodium 64-byte key) and verification key objects are cached per thread; message digest contexts are created
/// and freed per operation. No EVP object is ever shared between threads.
/// </summary>
internal static unsafe class NativeEd25519
{
    private static readonly byte[] CacheDomain = "dm3/ed25519-signing"u8.ToArray();

    [ThreadStatic]
    private static KeyCache<EvpPKeyHandle>? t_signingKeys;

    [ThreadStatic]
    private static KeyCache<EvpPKeyHandle>? t_verificationKeys;

    public static void PublicKeyFromSeed(ReadOnlySpan<byte> seed32, Span<byte> publicKey32)
    {
        var pkey = NewPrivateKey(seed32);
        try
        {
            GetPublicKey(pkey, publicKey32);
        }
        finally
        {
            LibCrypto.EVP_PKEY_free(pkey);
        }
    }

    /// <summary>Signs with a libsodium-layout key; throws <see cref="ArgumentException"/> when its public half does not match the seed.</summary>
    public static void Sign(ReadOnlySpan<byte> privateKey64, ReadOnlySpan<byte> message, Span<byte> signature64)
    {
        var key = SigningKey(privateKey64);
        var ctx = LibCrypto.EVP_MD_CTX_new();
        try
        {
            if (ctx == 0 || LibCrypto.EVP_DigestSignInit(ctx, 0, 0, 0, key.DangerousGetHandle()) != 1)
            {
                throw Failure("initialise Ed25519 signing");
            }

            nuint length = 64;
            int ok;
            byte empty = 0;
            fixed (byte* m = message)
            fixed (byte* s = signature64)
            {
                ok = LibCrypto.EVP_DigestSign(ctx, s, &length, m == null ? &empty : m, (nuint)message.Length);
            }

            if (ok != 1 || length != 64)
            {
                throw Failure("sign with Ed25519");
            }
        }
        finally
        {
            if (ctx != 0)
            {
                LibCrypto.EVP_MD_CTX_free(ctx);
            }

            GC.KeepAlive(key);
        }
    }

    /// <summary>
    /// OpenSSL's verdict for a signature whose encodings the caller has already checked (see
    /// <see cref="Ed25519.IsCanonicalForVerification"/>). Never throws.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64)
    {
        var key = VerificationKey(publicKey32);
        if (key is null)
        {
            return false;
        }

        var ctx = LibCrypto.EVP_MD_CTX_new();
        try
        {
            if (ctx == 0 || LibCrypto.EVP_DigestVerifyInit(ctx, 0, 0, 0, key.DangerousGetHandle()) != 1)
            {
                LibCrypto.ERR_clear_error();
                return false;
            }

            int ok;
            byte empty = 0;
            fixed (byte* m = message)
            fixed (byte* s = signature64)
            {
                ok = LibCrypto.EVP_DigestVerify(ctx, s, (nuint)signature64.Length, m == null ? &empty : m, (nuint)message.Length);
            }

            if (ok != 1)
            {
                LibCrypto.ERR_clear_error();
                return false;
            }

            return true;
        }
        finally
        {
            if (ctx != 0)
            {
                LibCrypto.EVP_MD_CTX_free(ctx);
            }

            GC.KeepAlive(key);
        }
    }

    private static EvpPKeyHandle SigningKey(ReadOnlySpan<byte> privateKey64)
    {
        var cache = t_signingKeys ??= new KeyCache<EvpPKeyHandle>();
        Span<byte> id = stackalloc byte[KeyCache<EvpPKeyHandle>.IdSize];
        KeyCache<EvpPKeyHandle>.PrivateKeyId(privateKey64, CacheDomain, id);
        var key = cache.Find(id);
        if (key is not null)
        {
            return key;
        }

        key = new EvpPKeyHandle(NewPrivateKey(privateKey64[..32]));
        Span<byte> derived = stackalloc byte[32];
        try
        {
            GetPublicKey(key.DangerousGetHandle(), derived);
        }
        catch
        {
            key.Dispose();
            throw;
        }

        if (!CryptographicOperations.FixedTimeEquals(derived, privateKey64[32..]))
        {
            key.Dispose();
            throw new ArgumentException("The public half of the Ed25519 private key does not match its seed.", nameof(privateKey64));
        }

        cache.Add(id, key);
        return key;
    }

    private static EvpPKeyHandle? VerificationKey(ReadOnlySpan<byte> publicKey32)
    {
        var cache = t_verificationKeys ??= new KeyCache<EvpPKeyHandle>();
        var key = cache.Find(publicKey32);
        if (key is not null)
        {
            return key;
        }

        nint pkey;
        fixed (byte* p = publicKey32)
        {
            pkey = LibCrypto.EVP_PKEY_new_raw_public_key(LibCrypto.NidEd25519, 0, p, (nuint)publicKey32.Length);
        }

        if (pkey == 0)
        {
            LibCrypto.ERR_clear_error();
            return null;
        }

        key = new EvpPKeyHandle(pkey);
        cache.Add(publicKey32, key);
        return key;
    }

    private static nint NewPrivateKey(ReadOnlySpan<byte> seed32)
    {
        nint pkey;
        fixed (byte* k = seed32)
        {
            pkey = LibCrypto.EVP_PKEY_new_raw_private_key(LibCrypto.NidEd25519, 0, k, (nuint)seed32.Length);
        }

        if (pkey == 0)
        {
            throw Failure("create an Ed25519 private key object");
        }

        return pkey;
    }

    private static void GetPublicKey(nint pkey, Span<byte> publicKey32)
    {
        nuint length = 32;
        int ok;
        fixed (byte* p = publicKey32)
        {
            ok = LibCrypto.EVP_PKEY_get_raw_public_key(pkey, p, &length);
        }

        if (ok != 1 || length != 32)
        {
            throw Failure("export an Ed25519 public key");
        }
    }

    private static CryptographicException Failure(string what)
    {
        LibCrypto.ERR_clear_error();
        return new CryptographicException($"OpenSSL could not {what}.");
    }
}
