using System.Security.Cryptography;

namespace Dm3.Protocol.Crypto.Native;

/// <summary>
/// X25519 through OpenSSL (EVP_PKEY, NID_X25519). Only called after <see cref="LibCrypto.TryInitialize"/> returned
/// true. Private key objects of long-lived keys (a receiver's or a delivery service's key) are kept in a small
/// per-thread cache; ephemeral keys are freed at once. No EVP object is ever shared between threads.
/// </summary>
internal static unsafe class NativeX25519
{
    private static readonly byte[] CacheDomain = "dm3/x25519-private"u8.ToArray();

    [ThreadStatic]
    private static KeyCache<PrivateKeyEntry>? t_privateKeys;

    /// <summary>X25519(k, 9) into <paramref name="publicKey"/>; the key object is cached when <paramref name="cache"/>.</summary>
    public static void PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey, Span<byte> publicKey, bool cache)
    {
        if (cache)
        {
            var entry = CachedPrivateKey(privateKey);
            entry.PublicKey.CopyTo(publicKey);
            return;
        }

        var pkey = NewPrivateKey(privateKey);
        try
        {
            GetPublicKey(pkey, publicKey);
        }
        finally
        {
            LibCrypto.EVP_PKEY_free(pkey);
        }
    }

    /// <summary>
    /// Raw X25519 output into <paramref name="shared"/> with a cached private key object. False when OpenSSL refuses
    /// to derive (it does so for an all-zero result); the caller decides what that means.
    /// </summary>
    public static bool SharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> shared)
    {
        var entry = CachedPrivateKey(privateKey);
        var ok = Derive(entry.Key.DangerousGetHandle(), peerPublicKey, shared);
        GC.KeepAlive(entry);
        return ok;
    }

    /// <summary>
    /// One key object for an ephemeral private key: its public key and the shared secret with the peer, without
    /// computing the public key twice. Nothing is cached. False as for <see cref="SharedSecret"/>.
    /// </summary>
    public static bool Agree(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> ownPublicKey, Span<byte> shared)
    {
        var pkey = NewPrivateKey(privateKey);
        try
        {
            GetPublicKey(pkey, ownPublicKey);
            return Derive(pkey, peerPublicKey, shared);
        }
        finally
        {
            LibCrypto.EVP_PKEY_free(pkey);
        }
    }

    private static PrivateKeyEntry CachedPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        var cache = t_privateKeys ??= new KeyCache<PrivateKeyEntry>();
        Span<byte> id = stackalloc byte[KeyCache<PrivateKeyEntry>.IdSize];
        KeyCache<PrivateKeyEntry>.PrivateKeyId(privateKey, CacheDomain, id);
        var entry = cache.Find(id);
        if (entry is not null)
        {
            return entry;
        }

        var handle = new EvpPKeyHandle(NewPrivateKey(privateKey));
        try
        {
            var publicKey = new byte[32];
            GetPublicKey(handle.DangerousGetHandle(), publicKey);
            entry = new PrivateKeyEntry(handle, publicKey);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        cache.Add(id, entry);
        return entry;
    }

    private static nint NewPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        nint pkey;
        fixed (byte* k = privateKey)
        {
            pkey = LibCrypto.EVP_PKEY_new_raw_private_key(LibCrypto.NidX25519, 0, k, (nuint)privateKey.Length);
        }

        if (pkey == 0)
        {
            LibCrypto.ERR_clear_error();
            throw new CryptographicException("OpenSSL could not create an X25519 private key object.");
        }

        return pkey;
    }

    private static void GetPublicKey(nint pkey, Span<byte> publicKey)
    {
        nuint length = 32;
        int ok;
        fixed (byte* p = publicKey)
        {
            ok = LibCrypto.EVP_PKEY_get_raw_public_key(pkey, p, &length);
        }

        if (ok != 1 || length != 32)
        {
            LibCrypto.ERR_clear_error();
            throw new CryptographicException("OpenSSL could not export an X25519 public key.");
        }
    }

    private static bool Derive(nint pkey, ReadOnlySpan<byte> peerPublicKey, Span<byte> shared)
    {
        nint peer;
        fixed (byte* p = peerPublicKey)
        {
            peer = LibCrypto.EVP_PKEY_new_raw_public_key(LibCrypto.NidX25519, 0, p, (nuint)peerPublicKey.Length);
        }

        if (peer == 0)
        {
            LibCrypto.ERR_clear_error();
            return false;
        }

        var ctx = LibCrypto.EVP_PKEY_CTX_new(pkey, 0);
        try
        {
            if (ctx == 0 || LibCrypto.EVP_PKEY_derive_init(ctx) != 1 || LibCrypto.EVP_PKEY_derive_set_peer(ctx, peer) != 1)
            {
                LibCrypto.ERR_clear_error();
                return false;
            }

            nuint length = 32;
            int ok;
            fixed (byte* s = shared)
            {
                ok = LibCrypto.EVP_PKEY_derive(ctx, s, &length);
            }

            if (ok != 1 || length != 32)
            {
                LibCrypto.ERR_clear_error();
                shared.Clear();
                return false;
            }

            return true;
        }
        finally
        {
            if (ctx != 0)
            {
                LibCrypto.EVP_PKEY_CTX_free(ctx);
            }

            LibCrypto.EVP_PKEY_free(peer);
        }
    }

    private sealed class PrivateKeyEntry(EvpPKeyHandle key, byte[] publicKey) : IDisposable
    {
        public EvpPKeyHandle Key { get; } = key;

        public byte[] PublicKey { get; } = publicKey;

        public void Dispose() => Key.Dispose();
    }
}
