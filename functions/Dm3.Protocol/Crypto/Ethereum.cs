using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using Dm3.Protocol.Encoding;

namespace Dm3.Protocol.Crypto;

/// <summary>Ethereum account helpers: addresses, EIP-55 checksums and EIP-191 <c>personal_sign</c>.</summary>
public static class Ethereum
{
    private static readonly byte[] PersonalPrefix = "\u0019Ethereum Signed Message:\n"u8.ToArray();

    /// <summary>20-byte address = last 20 bytes of keccak256(x ‖ y). Accepts 65 bytes (0x04 ‖ x ‖ y) or 64 bytes (x ‖ y).</summary>
    public static byte[] AddressFromPublicKey(ReadOnlySpan<byte> publicKey65)
    {
        var xy = publicKey65.Length switch
        {
            65 when publicKey65[0] == 0x04 => publicKey65[1..],
            64 => publicKey65,
            _ => throw new ArgumentException("An uncompressed secp256k1 public key (65 bytes, 0x04 prefix) is required.", nameof(publicKey65)),
        };
        return Hashes.Keccak256(xy)[12..];
    }

    public static byte[] AddressFromPrivateKey(ReadOnlySpan<byte> privateKey32) =>
        AddressFromPublicKey(Secp256k1.PublicKeyFromPrivate(privateKey32));

    /// <summary>EIP-55 mixed-case checksum text, "0x" prefixed.</summary>
    public static string ToChecksumAddress(ReadOnlySpan<byte> address20)
    {
        RequireAddress(address20);
        var lower = Convert.ToHexStringLower(address20);
        var hash = Hashes.Keccak256(System.Text.Encoding.ASCII.GetBytes(lower));
        return string.Create(42, (lower, hash), static (chars, state) =>
        {
            chars[0] = '0';
            chars[1] = 'x';
            for (var i = 0; i < 40; i++)
            {
                var c = state.lower[i];
                var nibble = (i & 1) == 0 ? state.hash[i / 2] >> 4 : state.hash[i / 2] & 0x0F;
                chars[i + 2] = c >= 'a' && nibble >= 8 ? (char)(c - 32) : c;
            }
        });
    }

    /// <summary>"0x" + 40 lower-case hex digits.</summary>
    public static string ToLowerAddress(ReadOnlySpan<byte> address20)
    {
        RequireAddress(address20);
        return "0x" + Convert.ToHexStringLower(address20);
    }

    /// <summary>
    /// Parses "0x" + 40 hex digits. All-lower and all-upper digits are accepted; mixed case must be the exact EIP-55
    /// form unless <paramref name="requireChecksumIfMixedCase"/> is false.
    /// </summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out byte[]? address20, [NotNullWhen(false)] out ProtocolError? error, bool requireChecksumIfMixedCase = true)
    {
        address20 = null;
        if (text is null || text.Length != 42 || !text.StartsWith("0x", StringComparison.Ordinal))
        {
            error = new ProtocolError("address.format", "An address must be \"0x\" followed by 40 hex digits.");
            return false;
        }

        if (!Hex.TryDecode(text, out var bytes))
        {
            error = new ProtocolError("address.format", "An address must be \"0x\" followed by 40 hex digits.");
            return false;
        }

        var digits = text.AsSpan(2);
        var hasLower = digits.IndexOfAnyInRange('a', 'f') >= 0;
        var hasUpper = digits.IndexOfAnyInRange('A', 'F') >= 0;
        if (hasLower && hasUpper && requireChecksumIfMixedCase && !string.Equals(ToChecksumAddress(bytes), text, StringComparison.Ordinal))
        {
            error = new ProtocolError("address.checksum", "The mixed-case address does not match its EIP-55 checksum.");
            return false;
        }

        address20 = bytes;
        error = null;
        return true;
    }

    /// <summary>EIP-191 version 0x45: keccak256("\x19Ethereum Signed Message:\n" ‖ decimal(len) ‖ message).</summary>
    public static byte[] PersonalMessageDigest(ReadOnlySpan<byte> message)
    {
        var length = System.Text.Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture));
        var buffer = new byte[PersonalPrefix.Length + length.Length + message.Length];
        PersonalPrefix.CopyTo(buffer, 0);
        length.CopyTo(buffer, PersonalPrefix.Length);
        message.CopyTo(buffer.AsSpan(PersonalPrefix.Length + length.Length));
        return Hashes.Keccak256(buffer);
    }

    /// <summary>EIP-191 digest of the UTF-8 bytes of <paramref name="utf8Text"/>.</summary>
    public static byte[] PersonalMessageDigest(string utf8Text)
    {
        ArgumentNullException.ThrowIfNull(utf8Text);
        return PersonalMessageDigest(System.Text.Encoding.UTF8.GetBytes(utf8Text));
    }

    /// <summary>Wallet-style <c>personal_sign</c>: "0x" + 130 lower-case hex digits (r ‖ s ‖ v, v ∈ {27, 28}).</summary>
    public static string PersonalSign(ReadOnlySpan<byte> privateKey32, string utf8Text) =>
        Hex.Encode(Secp256k1.SignDigest(privateKey32, PersonalMessageDigest(utf8Text)));

    /// <summary>Recovers the signer address of a <c>personal_sign</c> signature (hex, 65 or 64 bytes).</summary>
    public static bool TryRecoverPersonalSigner(string utf8Text, string signatureHex, [NotNullWhen(true)] out byte[]? address20, [NotNullWhen(false)] out ProtocolError? error)
    {
        address20 = null;
        if (utf8Text is null)
        {
            error = new ProtocolError("personal_sign.no_message", "The signed text is missing.");
            return false;
        }

        if (!Hex.TryDecode(signatureHex, out var signature, requirePrefix: false))
        {
            error = new ProtocolError("personal_sign.bad_hex", "The signature is not valid hexadecimal.");
            return false;
        }

        if (!Secp256k1.TryRecover(PersonalMessageDigest(utf8Text), signature, out var publicKey, out error))
        {
            return false;
        }

        address20 = AddressFromPublicKey(publicKey);
        return true;
    }

    /// <summary>True when the signature recovers to <paramref name="expectedAddress20"/>. Never throws on bad input.</summary>
    public static bool VerifyPersonalSignature(string utf8Text, string signatureHex, ReadOnlySpan<byte> expectedAddress20) =>
        expectedAddress20.Length == 20
        && TryRecoverPersonalSigner(utf8Text, signatureHex, out var address, out _)
        && CryptographicOperations.FixedTimeEquals(address, expectedAddress20);

    private static void RequireAddress(ReadOnlySpan<byte> address20)
    {
        if (address20.Length != 20)
        {
            throw new ArgumentException("An address is 20 bytes.", nameof(address20));
        }
    }
}
