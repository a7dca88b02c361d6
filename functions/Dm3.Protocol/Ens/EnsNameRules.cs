using System.Diagnostics.CodeAnalysis;

namespace Dm3.Protocol.Ens;

/// <summary>
/// The names this backend issues and accepts (decisions §18, linked-profiles §1): ASCII only, labels of lower-case
/// letters, digits and hyphens separated by single dots. Such names are already ENSIP-15 normalised, except labels with
/// "--" in the third and fourth position (ENSIP-15 "invalid label extension", e.g. <c>xn--</c>), which are rejected too.
/// Everything else is rejected with a precise <see cref="ProtocolError"/>; the message never repeats the name.
/// </summary>
public static class EnsNameRules
{
    /// <summary>Longest accepted name in characters (= bytes): 255 DNS bytes minus the first length byte and the terminator.</summary>
    public const int MaxNameBytes = EnsNames.MaxDnsNameBytes - 2;

    /// <summary>Longest app parent name (linked-profiles §1).</summary>
    public const int MaxParentNameBytes = 200;

    /// <summary>Validates a name the backend serves or stores (at least one label).</summary>
    public static bool TryValidateName(string? name, [NotNullWhen(false)] out ProtocolError? error) =>
        TryValidate(name, MaxNameBytes, "ens.name", out error);

    /// <summary>Validates an app parent name <c>P</c> (same alphabet, at most 200 bytes).</summary>
    public static bool TryValidateParentName(string? name, [NotNullWhen(false)] out ProtocolError? error) =>
        TryValidate(name, MaxParentNameBytes, "ens.parent", out error);

    /// <summary>True when <paramref name="label"/> is <c>0x</c> + 40 lower-case hex digits.</summary>
    public static bool IsAddressLabel(ReadOnlySpan<char> label)
    {
        if (label.Length != 42 || label[0] != '0' || label[1] != 'x')
        {
            return false;
        }

        foreach (var c in label[2..])
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryValidate(string? name, int maxBytes, string prefix, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (name is null)
        {
            error = new ProtocolError(prefix + ".missing", "The name is missing.");
            return false;
        }

        if (name.Length == 0)
        {
            error = new ProtocolError(prefix + ".empty", "The name is empty.");
            return false;
        }

        if (name.Length > maxBytes)
        {
            error = new ProtocolError(prefix + ".too_long", $"The name is longer than {maxBytes} bytes.");
            return false;
        }

        if (name[0] == '.')
        {
            error = new ProtocolError(prefix + ".leading_dot", "The name starts with a dot.");
            return false;
        }

        if (name[^1] == '.')
        {
            error = new ProtocolError(prefix + ".trailing_dot", "The name ends with a dot.");
            return false;
        }

        var labelStart = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || name[i] == '.')
            {
                var label = name.AsSpan(labelStart, i - labelStart);
                if (label.Length == 0)
                {
                    error = new ProtocolError(prefix + ".empty_label", "The name has an empty label (two dots in a row).");
                    return false;
                }

                if (label.Length > EnsNames.MaxLabelBytes)
                {
                    error = new ProtocolError(prefix + ".label_too_long", $"A label is longer than {EnsNames.MaxLabelBytes} bytes.");
                    return false;
                }

                if (label.Length >= 4 && label[2] == '-' && label[3] == '-')
                {
                    error = new ProtocolError(prefix + ".label_extension", "A label has \"--\" in the third and fourth position (not ENSIP-15 normalised).");
                    return false;
                }

                labelStart = i + 1;
                continue;
            }

            var c = name[i];
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            {
                continue;
            }

            error = c switch
            {
                >= 'A' and <= 'Z' => new ProtocolError(prefix + ".uppercase", "The name contains upper-case letters (names must be lower-case)."),
                > '\x7f' => new ProtocolError(prefix + ".non_ascii", "The name contains non-ASCII characters."),
                _ => new ProtocolError(prefix + ".invalid_character", $"The name contains the character U+{(int)c:X4}; only a-z, 0-9, '-' and '.' are allowed."),
            };
            return false;
        }

        error = null;
        return true;
    }
}
