using System.Diagnostics.CodeAnalysis;

namespace Dm3.Protocol.Encoding;

/// <summary>Hexadecimal text encoding (lower-case output, "0x" prefixed by default).</summary>
public static class Hex
{
    public static string Encode(ReadOnlySpan<byte> bytes, bool prefix = true)
    {
        var hex = Convert.ToHexStringLower(bytes);
        return prefix ? "0x" + hex : hex;
    }

    /// <summary>
    /// True when <paramref name="text"/> is exactly the canonical spelling <see cref="Encode"/> produces for
    /// <paramref name="byteLength"/> bytes: "0x" followed by lower-case hex digits. Used where hex text is an id or a
    /// storage key, so one value has one spelling.
    /// </summary>
    public static bool IsCanonical(string? text, int byteLength)
    {
        if (text is null || text.Length != 2 + (2 * byteLength) || text[0] != '0' || text[1] != 'x')
        {
            return false;
        }

        foreach (var c in text.AsSpan(2))
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes hex text; upper and lower case digits are accepted. Odd length or invalid digits fail.</summary>
    public static bool TryDecode(string? text, [NotNullWhen(true)] out byte[]? bytes, bool requirePrefix = true)
    {
        bytes = null;
        if (text is null)
        {
            return false;
        }

        var span = text.AsSpan();
        if (span.Length >= 2 && span[0] == '0' && (span[1] == 'x' || span[1] == 'X'))
        {
            span = span[2..];
        }
        else if (requirePrefix)
        {
            return false;
        }

        if ((span.Length & 1) != 0)
        {
            return false;
        }

        var result = new byte[span.Length / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var hi = Nibble(span[2 * i]);
            var lo = Nibble(span[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                return false;
            }

            result[i] = (byte)((hi << 4) | lo);
        }

        bytes = result;
        return true;
    }

    /// <summary>Decodes hex text with or without "0x"; throws <see cref="ProtocolFormatException"/> when invalid.</summary>
    public static byte[] Decode(string text)
    {
        if (TryDecode(text, out var bytes, requirePrefix: false))
        {
            return bytes;
        }

        throw new ProtocolFormatException(new ProtocolError("hex.invalid", "The text is not valid hexadecimal."));
    }

    private static int Nibble(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
