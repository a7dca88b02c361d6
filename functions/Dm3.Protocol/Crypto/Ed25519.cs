using System.Security.Cryptography;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Encoding;

namespace Dm3.Protocol.Crypto;

/// <summary>
/// Pure Ed25519 (RFC 8032) with the libsodium key layout: private key (64 bytes) = seed ‖ public key.
/// The curve arithmetic comes from the installed <see cref="ICryptoProvider"/> (libsodium or BouncyCastle).
/// Verification is strict whatever the provider and accepts exactly what libsodium's <c>crypto_sign_verify_detached</c> accepts
/// (dm3 signs and verifies with libsodium): S must be below the group order L; R and A must be canonical encodings
/// (y &lt; p, and no "negative zero" x); neither A nor R may be a small-order point (see
/// <see cref="SmallOrderEncodings"/>); and the equation is checked cofactorless.
/// </summary>
public static class Ed25519
{
    private static readonly byte[] CacheDomain = "dm3/ed25519-signing"u8.ToArray();
    private static readonly object Validated = new();

    // Fingerprints of signing keys whose public half was already checked against the seed on this thread.
    [ThreadStatic]
    private static KeyCache<object>? t_validatedKeys;

    // 2^255 − 19 and the group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    private static ReadOnlySpan<byte> FieldPrime =>
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ];

    private static ReadOnlySpan<byte> GroupOrder =>
    [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ];

    /// <summary>
    /// The y-coordinates (little-endian, bit 255 — the sign of x — cleared) that libsodium refuses for A and R: the
    /// points of order 1, 2, 4 and 8 (y = 1, y = p − 1, y = 0 and the two order-8 values y₈, p − y₈), plus the
    /// non-canonical encodings y = p (≡ 0) and y = p + 1 (≡ 1). An encoding is refused when its first 255 bits equal one
    /// of these, whatever its top bit. tests/Dm3.Protocol.Tests/Crypto/Ed25519SmallOrderTests.cs derives this list
    /// independently from the curve equation.
    /// </summary>
    internal static readonly IReadOnlyList<byte[]> SmallOrderEncodings =
    [
        // y = 0: (±√−1, 0), order 4
        Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000000"),
        // y = 1: the identity (0, 1), order 1
        Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000000"),
        // y = y₈, order 8
        Convert.FromHexString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        // y = p − y₈, order 8
        Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        // y = p − 1: (0, −1), order 2
        Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        // y = p ≡ 0, non-canonical
        Convert.FromHexString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        // y = p + 1 ≡ 1, non-canonical
        Convert.FromHexString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    ];

    /// <summary>libsodium <c>crypto_sign_seed_keypair</c>.</summary>
    public static (byte[] PrivateKey64, byte[] PublicKey32) KeyPairFromSeed(ReadOnlySpan<byte> seed32)
    {
        if (seed32.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed32));
        }

        var publicKey = new byte[32];
        CryptoProvider.Current.Ed25519PublicKey(seed32, publicKey);

        var privateKey = new byte[64];
        seed32.CopyTo(privateKey);
        publicKey.CopyTo(privateKey, 32);
        return (privateKey, publicKey);
    }

    /// <summary>
    /// Detached signature (64 bytes). Unlike libsodium, the public half of the private key is checked against the
    /// seed, so a mismatched key can never leak the signing scalar. The check is done once per key and thread
    /// (the result is remembered under a fingerprint of the key), not on every call.
    /// </summary>
    public static byte[] Sign(ReadOnlySpan<byte> privateKey64, ReadOnlySpan<byte> message)
    {
        if (privateKey64.Length != 64)
        {
            throw new ArgumentException("An Ed25519 private key is 64 bytes (seed ‖ public key).", nameof(privateKey64));
        }

        var provider = CryptoProvider.Current;
        RequireMatchingHalves(provider, privateKey64);
        var signature = new byte[64];
        provider.Ed25519Sign(privateKey64, message, signature);
        return signature;
    }

    /// <summary>Verifies a detached signature. Returns false (never throws) on any malformed input.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64)
    {
        if (publicKey32.Length != 32 || signature64.Length != 64)
        {
            return false;
        }

        return VerifyWith(CryptoProvider.Current, publicKey32, message, signature64);
    }

    /// <summary>
    /// Verification on a chosen provider (lengths already checked); the provider-equivalence tests call it with each.
    /// The encoding and small-order rules are applied here, in front of every provider, so all refuse the same inputs.
    /// </summary>
    internal static bool VerifyWith(ICryptoProvider provider, ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature64) =>
        IsCanonicalForVerification(publicKey32, signature64)
        && !HasSmallOrder(publicKey32)
        && !HasSmallOrder(signature64[..32])
        && provider.Ed25519Verify(publicKey32, message, signature64);

    /// <summary>Throws <see cref="ArgumentException"/> when the public half of the key does not match its seed (checked once per key and thread).</summary>
    private static void RequireMatchingHalves(ICryptoProvider provider, ReadOnlySpan<byte> privateKey64)
    {
        var cache = t_validatedKeys ??= new KeyCache<object>();
        Span<byte> id = stackalloc byte[KeyCache<object>.IdSize];
        KeyCache<object>.PrivateKeyId(privateKey64, CacheDomain, id);
        if (cache.Find(id) is not null)
        {
            return;
        }

        Span<byte> derived = stackalloc byte[32];
        provider.Ed25519PublicKey(privateKey64[..32], derived);
        if (!CryptographicOperations.FixedTimeEquals(derived, privateKey64[32..]))
        {
            throw new ArgumentException("The public half of the Ed25519 private key does not match its seed.", nameof(privateKey64));
        }

        cache.Add(id, Validated);
    }

    /// <summary>
    /// libsodium's <c>ge25519_has_small_order</c> on an encoding: true when its first 255 bits (the top bit, the sign
    /// of x, is ignored) equal one of <see cref="SmallOrderEncodings"/>. Only public values are compared, so no
    /// constant-time comparison is needed.
    /// </summary>
    internal static bool HasSmallOrder(ReadOnlySpan<byte> point32)
    {
        if (point32.Length != 32)
        {
            return false;
        }

        Span<byte> y = stackalloc byte[32];
        point32.CopyTo(y);
        y[31] &= 0x7f;
        foreach (var candidate in SmallOrderEncodings)
        {
            if (y.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>dm3 convention (W§5): base64 of the detached signature over the UTF-8 bytes of the text.</summary>
    public static string SignText(ReadOnlySpan<byte> privateKey64, string utf8Text)
    {
        ArgumentNullException.ThrowIfNull(utf8Text);
        return Base64Std.Encode(Sign(privateKey64, System.Text.Encoding.UTF8.GetBytes(utf8Text)));
    }

    /// <summary>Verifies a base64 signature over the UTF-8 bytes of the text. Never throws.</summary>
    public static bool VerifyText(ReadOnlySpan<byte> publicKey32, string utf8Text, string signatureBase64) =>
        utf8Text is not null
        && Base64Std.TryDecode(signatureBase64, out var signature, 64)
        && Verify(publicKey32, System.Text.Encoding.UTF8.GetBytes(utf8Text), signature);

    /// <summary>
    /// The encoding rules that BouncyCastle's verifier enforces before any curve arithmetic, applied in front of
    /// every provider so that all refuse the same inputs: S &lt; L; R.y &lt; p; A.y &lt; p; and A is not an
    /// x = 0 point (y = ±1) written with the sign bit set.
    /// </summary>
    internal static bool IsCanonicalForVerification(ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> signature64) =>
        LessThan(signature64[32..], GroupOrder)
        && HasCanonicalY(signature64[..32])
        && HasCanonicalY(publicKey32)
        && !IsNegativeZeroX(publicKey32);

    private static bool HasCanonicalY(ReadOnlySpan<byte> point)
    {
        Span<byte> y = stackalloc byte[32];
        point.CopyTo(y);
        y[31] &= 0x7f;
        return LessThan(y, FieldPrime);
    }

    /// <summary>y = 1 or y = p − 1 (the two points with x = 0) with the sign bit of x set.</summary>
    private static bool IsNegativeZeroX(ReadOnlySpan<byte> point)
    {
        if ((point[31] & 0x80) == 0)
        {
            return false;
        }

        var isOne = point[0] == 1;
        var isMinusOne = point[0] == 0xec;
        for (var i = 1; i < 31; i++)
        {
            isOne &= point[i] == 0;
            isMinusOne &= point[i] == 0xff;
        }

        return (isOne && point[31] == 0x80) || (isMinusOne && point[31] == 0xff);
    }

    /// <summary>Little-endian a &lt; b for 32-byte numbers.</summary>
    private static bool LessThan(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        for (var i = 31; i >= 0; i--)
        {
            if (a[i] != b[i])
            {
                return a[i] < b[i];
            }
        }

        return false;
    }
}
