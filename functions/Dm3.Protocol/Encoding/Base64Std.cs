using System.Diagnostics.CodeAnalysis;

namespace Dm3.Protocol.Encoding;

/// <summary>Strict standard base64 (RFC 4648 §4 alphabet, mandatory padding, no whitespace).</summary>
public static class Base64Std
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes);

    /// <summary>
    /// Decodes strict standard base64. Rejects whitespace, the URL-safe alphabet, missing padding and
    /// non-canonical trailing bits. When <paramref name="expectedLength"/> is given the decoded length must match.
    /// </summary>
    public static bool TryDecode(string? text, [NotNullWhen(true)] out byte[]? bytes, int? expectedLength = null)
    {
        bytes = null;
        if (text is null || (text.Length & 3) != 0)
        {
            return false;
        }

        var padding = 0;
        if (text.Length > 0 && text[^1] == '=')
        {
            padding = text.Length > 1 && text[^2] == '=' ? 2 : 1;
        }

        for (var i = 0; i < text.Length - padding; i++)
        {
            if (Value(text[i]) < 0)
            {
                return false;
            }
        }

        // Non-canonical encodings (unused bits set) are rejected so that every byte string has one text form.
        if (padding == 1 && (Value(text[^2]) & 0x03) != 0)
        {
            return false;
        }

        if (padding == 2 && (Value(text[^3]) & 0x0F) != 0)
        {
            return false;
        }

        var length = (text.Length / 4 * 3) - padding;
        if (expectedLength is { } expected && expected != length)
        {
            return false;
        }

        var result = new byte[length];
        if (!Convert.TryFromBase64String(text, result, out var written) || written != length)
        {
            return false;
        }

        bytes = result;
        return true;
    }

    private static int Value(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '+' => 62,
        '/' => 63,
        _ => -1,
    };
}
