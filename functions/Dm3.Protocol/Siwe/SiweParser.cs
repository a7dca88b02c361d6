using System.Diagnostics.CodeAnalysis;

namespace Dm3.Protocol.Siwe;

/// <summary>
/// Line-oriented reader for the EIP-4361 ABNF. It extracts each field's text, checks the line structure
/// (order, tags, blank lines) and then validates the fields with <see cref="SiweMessage.ValidateFields"/>.
/// Every failure is a <see cref="ProtocolError"/>; nothing throws.
/// </summary>
internal static class SiweParser
{
    private static readonly string[] KnownTags =
        ["URI: ", "Version: ", "Chain ID: ", "Nonce: ", "Issued At: ", "Expiration Time: ", "Not Before: ", "Request ID: ", "Resources:"];

    public static bool TryParse(string? text, [NotNullWhen(true)] out SiweMessage? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        error = Parse(text, out var m);
        if (error is not null)
        {
            return false;
        }

        message = m!;
        return true;
    }

    private static ProtocolError? Parse(string? text, out SiweMessage? message)
    {
        message = null;
        if (text is null)
        {
            return new ProtocolError("siwe.empty", "There is no message.");
        }

        if (text.Length == 0)
        {
            return new ProtocolError("siwe.empty", "The message is empty.");
        }

        if (text.Length > SiweMessage.MaxParseChars)
        {
            return new ProtocolError("siwe.too_large", $"The message is longer than {SiweMessage.MaxParseChars} characters.");
        }

        var lines = text.Split('\n');
        var i = 0;

        // Header: [ scheme "://" ] domain " wants you to sign in with your Ethereum account:"
        var header = lines[i++];
        if (!header.EndsWith(SiweMessage.HeaderSuffix, StringComparison.Ordinal))
        {
            return new ProtocolError("siwe.header_invalid",
                "The first line must be '<domain> wants you to sign in with your Ethereum account:'.");
        }

        var origin = header[..^SiweMessage.HeaderSuffix.Length];
        string? scheme = null;
        var domain = origin;
        var sep = origin.IndexOf("://", StringComparison.Ordinal);
        if (sep >= 0)
        {
            scheme = origin[..sep];
            domain = origin[(sep + 3)..];
        }

        if (domain.Length == 0)
        {
            return new ProtocolError("siwe.domain_missing", "The domain is missing.");
        }

        if (i >= lines.Length || lines[i].Length == 0)
        {
            return new ProtocolError("siwe.address_missing", "The address line is missing.");
        }

        var address = lines[i++];
        if (i >= lines.Length || lines[i].Length != 0)
        {
            return new ProtocolError("siwe.structure_invalid", "A blank line must follow the address.");
        }

        i++;

        // [ statement LF ] LF "URI: "
        string? statement;
        if (i + 1 < lines.Length && lines[i].Length == 0 && lines[i + 1].StartsWith("URI: ", StringComparison.Ordinal))
        {
            statement = null;
            i += 1;
        }
        else if (i + 2 < lines.Length && lines[i + 1].Length == 0 && lines[i + 2].StartsWith("URI: ", StringComparison.Ordinal))
        {
            statement = lines[i];
            i += 2;
        }
        else if (i < lines.Length && lines[i].Length != 0 && i + 1 < lines.Length && lines[i + 1].Length != 0
            && !lines[i + 1].StartsWith("URI: ", StringComparison.Ordinal) && !IsTagged(lines[i]))
        {
            return new ProtocolError("siwe.statement_invalid", "The statement spans more than one line or is not followed by a blank line.");
        }
        else
        {
            return Missing(lines, FindFirstTaggedLine(lines, i), "URI: ", "siwe.uri_missing", "URI");
        }

        if (Take(lines, ref i, "URI: ", "siwe.uri_missing", "URI", out var uri) is { } e1)
        {
            return e1;
        }

        if (Take(lines, ref i, "Version: ", "siwe.version_missing", "Version", out var version) is { } e2)
        {
            return e2;
        }

        if (Take(lines, ref i, "Chain ID: ", "siwe.chain_id_missing", "Chain ID", out var chainId) is { } e3)
        {
            return e3;
        }

        if (Take(lines, ref i, "Nonce: ", "siwe.nonce_missing", "Nonce", out var nonce) is { } e4)
        {
            return e4;
        }

        if (Take(lines, ref i, "Issued At: ", "siwe.issued_at_missing", "Issued At", out var issuedAt) is { } e5)
        {
            return e5;
        }

        var expiration = Optional(lines, ref i, "Expiration Time: ");
        var notBefore = Optional(lines, ref i, "Not Before: ");
        var requestId = Optional(lines, ref i, "Request ID: ");
        List<string>? resources = null;
        if (i < lines.Length && lines[i] == "Resources:")
        {
            i++;
            resources = [];
            while (i < lines.Length && lines[i].StartsWith("- ", StringComparison.Ordinal))
            {
                resources.Add(lines[i][2..]);
                i++;
            }
        }

        if (i < lines.Length)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                return new ProtocolError("siwe.trailing_data", $"Line {i + 1} is empty; the message must end after its last field.");
            }

            if (resources is not null && !IsTagged(line))
            {
                return new ProtocolError("siwe.resource_invalid", $"Line {i + 1} is not a '- <URI>' resource line.");
            }

            return IsTagged(line)
                ? new ProtocolError("siwe.field_out_of_order", $"Line {i + 1} ('{Tag(line)}') is out of order or repeated.")
                : new ProtocolError("siwe.unexpected_line", $"Line {i + 1} is not an EIP-4361 field.");
        }

        var parsed = new SiweMessage(scheme, domain, address, statement, uri!, version!, chainId!, nonce!, issuedAt!,
            expiration, notBefore, requestId, resources);
        var invalid = parsed.ValidateFields();
        if (invalid is not null)
        {
            return invalid;
        }

        message = parsed;
        return null;
    }

    private static bool IsTagged(string line) => KnownTags.Any(t => line.StartsWith(t, StringComparison.Ordinal));

    private static string Tag(string line) => KnownTags.First(t => line.StartsWith(t, StringComparison.Ordinal)).TrimEnd(' ', ':');

    private static int FindFirstTaggedLine(string[] lines, int from)
    {
        for (var k = from; k < lines.Length; k++)
        {
            if (IsTagged(lines[k]))
            {
                return k;
            }
        }

        return lines.Length;
    }

    private static ProtocolError? Take(string[] lines, ref int i, string tag, string missingCode, string field, out string? value)
    {
        value = null;
        if (i < lines.Length && lines[i].StartsWith(tag, StringComparison.Ordinal))
        {
            value = lines[i][tag.Length..];
            i++;
            return null;
        }

        return Missing(lines, i, tag, missingCode, field);
    }

    private static ProtocolError Missing(string[] lines, int i, string tag, string missingCode, string field)
    {
        if (i < lines.Length && IsTagged(lines[i]))
        {
            // Another known field stands where this one belongs: either the order is wrong or the field is absent.
            var present = Array.FindIndex(lines, l => l.StartsWith(tag, StringComparison.Ordinal));
            return present >= 0
                ? new ProtocolError("siwe.field_out_of_order", $"'{field}' is out of order (found '{Tag(lines[i])}' on line {i + 1}).")
                : new ProtocolError(missingCode, $"'{field}' is missing (found '{Tag(lines[i])}' on line {i + 1}).");
        }

        return new ProtocolError(missingCode, $"'{field}' is missing" + (i < lines.Length ? $" on line {i + 1}." : " at the end of the message."));
    }

    private static string? Optional(string[] lines, ref int i, string tag)
    {
        if (i < lines.Length && lines[i].StartsWith(tag, StringComparison.Ordinal))
        {
            return lines[i++][tag.Length..];
        }

        return null;
    }
}
