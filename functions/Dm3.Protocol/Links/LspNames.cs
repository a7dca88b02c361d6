using System.Diagnostics.CodeAnalysis;
using System.Text;
using Dm3.Protocol.Crypto;

namespace Dm3.Protocol.Links;

/// <summary>
/// Names used by Linked Profiles: app parent names <c>P</c>, LSP names <c>&lt;A_L lower-case&gt;.addr.&lt;P&gt;</c>
/// (linked-profiles §1) and the names we accept elsewhere (decisions §18: ASCII lower-case letters, digits,
/// hyphens and dots).
/// </summary>
public static class LspNames
{
    public const int MaxAppParentNameBytes = 200;
    public const int MaxNameBytes = 253;
    public const string AddrLabel = "addr";

    /// <summary>
    /// An app parent name: labels of ASCII lower-case letters, digits and hyphens (already ENSIP-15 normalised, since
    /// upper case is refused), at least two labels, at most 200 bytes.
    /// </summary>
    public static bool IsValidAppParentName(string? name, [NotNullWhen(false)] out ProtocolError? error)
    {
        error = CheckName(name, MaxAppParentNameBytes, "link.app_name_invalid", "app parent name");
        if (error is null && !name!.Contains('.', StringComparison.Ordinal))
        {
            error = new ProtocolError("link.app_name_invalid", "The app parent name must have at least two labels (e.g. myapp.eth).");
        }

        return error is null;
    }

    /// <summary>A dm3 name we accept (decisions §18): ASCII lower-case letters, digits, hyphens, dot-separated, ≤ 253 bytes.</summary>
    public static bool IsAcceptableName(string? name, [NotNullWhen(false)] out ProtocolError? error)
    {
        error = CheckName(name, MaxNameBytes, "link.name_invalid", "name");
        return error is null;
    }

    /// <summary>The LSP name <c>&lt;address lower-case&gt;.addr.&lt;P&gt;</c>.</summary>
    public static string LspName(ReadOnlySpan<byte> lspAddress20, string appParentName)
    {
        if (lspAddress20.Length != 20)
        {
            throw new ArgumentException("An address has 20 bytes.", nameof(lspAddress20));
        }

        if (!IsValidAppParentName(appParentName, out var error))
        {
            throw new ArgumentException(error.Message, nameof(appParentName));
        }

        return Ethereum.ToLowerAddress(lspAddress20) + "." + AddrLabel + "." + appParentName;
    }

    /// <summary>Splits an LSP name into its address and app parent name.</summary>
    public static bool TryParseLspName(string? name, [NotNullWhen(true)] out byte[]? lspAddress20, [NotNullWhen(true)] out string? appParentName,
        [NotNullWhen(false)] out ProtocolError? error)
    {
        lspAddress20 = null;
        appParentName = null;
        const int prefixLength = 42 + 1 + 4 + 1; // 0x<40 hex> "." "addr" "."
        if (name is null || name.Length <= prefixLength || !name.StartsWith("0x", StringComparison.Ordinal)
            || string.CompareOrdinal(name, 42, ".addr.", 0, 6) != 0)
        {
            error = new ProtocolError("link.lsp_name_invalid", "An LSP name has the form 0x<40 lower-case hex>.addr.<app parent name>.");
            return false;
        }

        var hex = name.AsSpan(2, 40);
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                error = new ProtocolError("link.lsp_name_invalid", "The address label of an LSP name is 40 lower-case hex digits.");
                return false;
            }
        }

        var parent = name[prefixLength..];
        if (!IsValidAppParentName(parent, out error))
        {
            return false;
        }

        lspAddress20 = Convert.FromHexString(hex);
        appParentName = parent;
        return true;
    }

    private static ProtocolError? CheckName(string? name, int maxBytes, string code, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            return new ProtocolError(code, $"The {what} is empty.");
        }

        if (name.Length > maxBytes)
        {
            return new ProtocolError(code, $"The {what} is longer than {maxBytes} bytes.");
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63)
            {
                return new ProtocolError(code, $"The {what} has an empty or over-long label.");
            }

            foreach (var c in label)
            {
                if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
                {
                    return new ProtocolError(code, $"The {what} may contain only lower-case ASCII letters, digits, hyphens and dots.");
                }
            }

            if (label.Length >= 4 && label[2] == '-' && label[3] == '-')
            {
                return new ProtocolError(code, $"The {what} has a label with '--' in positions 3-4 (ENSIP-15).");
            }
        }

        return null;
    }
}

/// <summary>
/// Names inside our <c>urn:dm3:</c> resources (linked-profiles §2.2): every UTF-8 byte outside RFC 3986
/// <c>unreserved / sub-delims / ":" / "@"</c> is percent-encoded with upper-case hex.
/// </summary>
public static class Dm3Urn
{
    public static string EncodeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length);
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            var c = (char)b;
            if (b < 0x80 && IsKept(c))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>Decodes an encoded name; the encoding must be exactly the canonical one (upper-case hex, nothing over-encoded).</summary>
    public static bool TryDecodeName(string? encoded, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out ProtocolError? error)
    {
        name = null;
        error = null;
        if (string.IsNullOrEmpty(encoded))
        {
            error = new ProtocolError("link.urn_name_invalid", "The name in the URN is empty.");
            return false;
        }

        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !IsUpperHex(encoded[i + 1]) || !IsUpperHex(encoded[i + 2]))
                {
                    error = new ProtocolError("link.urn_name_invalid", "A percent-escape in the URN is not '%' + two upper-case hex digits.");
                    return false;
                }

                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c < 0x80 && IsKept(c))
            {
                bytes.Add((byte)c);
            }
            else
            {
                error = new ProtocolError("link.urn_name_invalid", $"The URN contains the character U+{(int)c:X4}, which must be percent-encoded.");
                return false;
            }
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            error = new ProtocolError("link.urn_name_invalid", "The percent-encoded name is not valid UTF-8.");
            return false;
        }

        if (!string.Equals(EncodeName(decoded), encoded, StringComparison.Ordinal))
        {
            error = new ProtocolError("link.urn_name_invalid", "The name in the URN is not canonically percent-encoded.");
            return false;
        }

        name = decoded;
        return true;
    }

    private static bool IsKept(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~'
            or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@';

    private static bool IsUpperHex(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'F');
}
