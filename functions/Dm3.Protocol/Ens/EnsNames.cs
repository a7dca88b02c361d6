using System.Diagnostics.CodeAnalysis;
using System.Text;
using Dm3.Protocol.Crypto;

namespace Dm3.Protocol.Ens;

/// <summary>ENS namehash / labelhash (EIP-137) and DNS wire-format names (ENSIP-10), with strict limits.</summary>
public static class EnsNames
{
    /// <summary>Maximum bytes of one DNS label.</summary>
    public const int MaxLabelBytes = 63;

    /// <summary>Maximum bytes of a DNS-encoded name, including the 0x00 terminator (W§12.3).</summary>
    public const int MaxDnsNameBytes = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>keccak256 of the UTF-8 label (no normalisation).</summary>
    public static byte[] Labelhash(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return Hashes.Keccak256(StrictUtf8.GetBytes(label));
    }

    /// <summary>
    /// EIP-137 namehash of a name as given (no normalisation; validate or normalise first). The empty name is the
    /// root (32 zero bytes). Throws <see cref="ArgumentException"/> for a name with an empty label (a caller bug).
    /// </summary>
    public static byte[] Namehash(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var node = new byte[32];
        if (name.Length == 0)
        {
            return node;
        }

        var labels = name.Split('.');
        Span<byte> buffer = stackalloc byte[64];
        for (var i = labels.Length - 1; i >= 0; i--)
        {
            if (labels[i].Length == 0)
            {
                throw new ArgumentException("A name with an empty label has no namehash.", nameof(name));
            }

            node.CopyTo(buffer);
            Labelhash(labels[i]).CopyTo(buffer[32..]);
            node = Hashes.Keccak256(buffer);
        }

        return node;
    }

    /// <summary>The labels of a name; the empty name (root) has none.</summary>
    public static string[] Labels(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length == 0 ? [] : name.Split('.');
    }

    /// <summary>
    /// DNS wire format: each label as a length byte and its UTF-8 bytes, then 0x00. Fails for an empty label
    /// (the empty name is the root, encoded as a single 0x00), a label over 63 bytes, or more than 255 bytes in total.
    /// </summary>
    public static bool TryDnsEncode(string? name, [NotNullWhen(true)] out byte[]? encoded, [NotNullWhen(false)] out ProtocolError? error)
    {
        encoded = null;
        if (name is null)
        {
            error = new ProtocolError("ens.dns.null", "The name is missing.");
            return false;
        }

        if (name.Length > MaxDnsNameBytes)
        {
            error = new ProtocolError("ens.dns.name_too_long", $"The DNS-encoded name exceeds {MaxDnsNameBytes} bytes.");
            return false;
        }

        var output = new List<byte>(name.Length + 2);
        foreach (var label in Labels(name))
        {
            if (label.Length == 0)
            {
                error = new ProtocolError("ens.dns.empty_label", "The name has an empty label.");
                return false;
            }

            byte[] bytes;
            try
            {
                bytes = StrictUtf8.GetBytes(label);
            }
            catch (EncoderFallbackException)
            {
                error = new ProtocolError("ens.dns.invalid_text", "The name contains a lone surrogate.");
                return false;
            }

            if (bytes.Length > MaxLabelBytes)
            {
                error = new ProtocolError("ens.dns.label_too_long", $"A label exceeds {MaxLabelBytes} bytes.");
                return false;
            }

            output.Add((byte)bytes.Length);
            output.AddRange(bytes);
        }

        output.Add(0);
        if (output.Count > MaxDnsNameBytes)
        {
            error = new ProtocolError("ens.dns.name_too_long", $"The DNS-encoded name exceeds {MaxDnsNameBytes} bytes.");
            return false;
        }

        encoded = [.. output];
        error = null;
        return true;
    }

    /// <summary>DNS-encodes a name; throws <see cref="ProtocolFormatException"/> when it cannot be encoded.</summary>
    public static byte[] DnsEncode(string name) =>
        TryDnsEncode(name, out var encoded, out var error) ? encoded : throw new ProtocolFormatException(error);

    /// <summary>
    /// Decodes a DNS wire-format name strictly: labels of 1…63 bytes of valid UTF-8 without '.', a 0x00 terminator,
    /// nothing after it, at most 255 bytes in total. Compression pointers (length bytes ≥ 0xC0) are rejected as
    /// over-long labels. The labels are joined with '.'; a lone 0x00 is the root (empty name). Never throws.
    /// </summary>
    public static bool TryDnsDecode(ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out ProtocolError? error)
    {
        name = null;
        if (encoded.Length == 0)
        {
            error = new ProtocolError("ens.dns.truncated", "The DNS name is empty (no terminator).");
            return false;
        }

        if (encoded.Length > MaxDnsNameBytes)
        {
            error = new ProtocolError("ens.dns.name_too_long", $"The DNS-encoded name exceeds {MaxDnsNameBytes} bytes.");
            return false;
        }

        var builder = new StringBuilder(encoded.Length);
        var pos = 0;
        while (true)
        {
            if (pos >= encoded.Length)
            {
                error = new ProtocolError("ens.dns.truncated", "The DNS name ends without a 0x00 terminator.");
                return false;
            }

            int length = encoded[pos];
            if (length == 0)
            {
                if (pos != encoded.Length - 1)
                {
                    error = new ProtocolError("ens.dns.trailing_bytes", "Bytes follow a zero-length label (the terminator or an empty label mid-name).");
                    return false;
                }

                break;
            }

            if (length > MaxLabelBytes)
            {
                error = new ProtocolError("ens.dns.label_too_long", $"A label length byte 0x{length:x2} exceeds {MaxLabelBytes}.");
                return false;
            }

            // The label plus at least the terminator must fit.
            if (pos + 1 + length >= encoded.Length)
            {
                error = new ProtocolError("ens.dns.truncated", "A label runs past the end of the DNS name.");
                return false;
            }

            var labelBytes = encoded.Slice(pos + 1, length);
            if (labelBytes.Contains((byte)'.'))
            {
                error = new ProtocolError("ens.dns.label_contains_dot", "A label contains '.', which would change the name when joined.");
                return false;
            }

            string label;
            try
            {
                label = StrictUtf8.GetString(labelBytes);
            }
            catch (DecoderFallbackException)
            {
                error = new ProtocolError("ens.dns.invalid_utf8", "A label is not valid UTF-8.");
                return false;
            }

            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(label);
            pos += 1 + length;
        }

        name = builder.ToString();
        error = null;
        return true;
    }
}
