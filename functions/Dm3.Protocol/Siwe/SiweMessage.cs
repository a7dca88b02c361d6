using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Dm3.Protocol.Crypto;

namespace Dm3.Protocol.Siwe;

/// <summary>
/// An EIP-4361 (Sign-In with Ethereum) message. Every field holds its text exactly as it appears in the message,
/// so formatting a parsed message reproduces the signed bytes. Use <see cref="TryParse"/> to read text and
/// <see cref="TryFormat"/> / <see cref="Format"/> to write it; both validate every field against the ABNF.
/// </summary>
/// <param name="Scheme">Optional <c>scheme</c> before <c>"://" domain</c> (null when absent).</param>
/// <param name="Domain">RFC 3986 authority.</param>
/// <param name="Address">EIP-55 address text (<c>0x</c> + 40 hex digits with a valid checksum).</param>
/// <param name="Statement">Optional single-line statement (null when the statement line is absent).</param>
/// <param name="Uri">RFC 3986 URI.</param>
/// <param name="Version">Always <c>"1"</c>.</param>
/// <param name="ChainId">Decimal EIP-155 chain id text (no leading zeros).</param>
/// <param name="Nonce">At least 8 ASCII letters or digits.</param>
/// <param name="IssuedAt">RFC 3339 date-time text.</param>
/// <param name="ExpirationTime">Optional RFC 3339 date-time text.</param>
/// <param name="NotBefore">Optional RFC 3339 date-time text.</param>
/// <param name="RequestId">Optional <c>*pchar</c>.</param>
/// <param name="Resources">Optional list of RFC 3986 URIs (null = no <c>Resources:</c> line; empty = the line with no items).</param>
public sealed record SiweMessage(
    string? Scheme,
    string Domain,
    string Address,
    string? Statement,
    string Uri,
    string Version,
    string ChainId,
    string Nonce,
    string IssuedAt,
    string? ExpirationTime = null,
    string? NotBefore = null,
    string? RequestId = null,
    IReadOnlyList<string>? Resources = null)
{
    /// <summary>Upper bound on the text the parser looks at (defence against oversized input).</summary>
    public const int MaxParseChars = 16 * 1024;

    internal const string HeaderSuffix = " wants you to sign in with your Ethereum account:";

    /// <summary>The chain id as a number. Valid only for a validated message.</summary>
    public ulong ChainIdValue => ulong.Parse(ChainId, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>The 20 address bytes. Valid only for a validated message.</summary>
    public byte[] AddressBytes => Convert.FromHexString(Address.AsSpan(2));

    /// <summary>Issued At as an instant. Valid only for a validated message.</summary>
    public DateTimeOffset IssuedAtInstant => Instant(IssuedAt);

    /// <summary>Expiration Time as an instant, or null when absent.</summary>
    public DateTimeOffset? ExpirationInstant => ExpirationTime is null ? null : Instant(ExpirationTime);

    /// <summary>Not Before as an instant, or null when absent.</summary>
    public DateTimeOffset? NotBeforeInstant => NotBefore is null ? null : Instant(NotBefore);

    /// <summary>Parses EIP-4361 text (ABNF only; no dm3 layout rules). Never throws.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SiweMessage? message, [NotNullWhen(false)] out ProtocolError? error) =>
        SiweParser.TryParse(text, out message, out error);

    /// <summary>Parses EIP-4361 text; throws <see cref="ProtocolFormatException"/> on malformed input.</summary>
    public static SiweMessage Parse(string text) =>
        TryParse(text, out var m, out var e) ? m : throw new ProtocolFormatException(e);

    /// <summary>Validates every field against the EIP-4361 ABNF.</summary>
    public bool TryValidate([NotNullWhen(false)] out ProtocolError? error)
    {
        error = ValidateFields();
        return error is null;
    }

    /// <summary>Formats the message after validating every field; an invalid field set yields an error value.</summary>
    public bool TryFormat([NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        error = ValidateFields();
        if (error is not null)
        {
            return false;
        }

        text = FormatUnchecked();
        return true;
    }

    /// <summary>Formats the message; throws <see cref="ProtocolFormatException"/> when a field is invalid.</summary>
    public string Format() => TryFormat(out var text, out var error) ? text : throw new ProtocolFormatException(error);

    /// <summary>The message text (same as <see cref="Format"/>).</summary>
    public override string ToString() => TryFormat(out var text, out _) ? text : "(invalid EIP-4361 message)";

    internal string FormatUnchecked()
    {
        var sb = new StringBuilder(512);
        if (Scheme is not null)
        {
            sb.Append(Scheme).Append("://");
        }

        sb.Append(Domain).Append(HeaderSuffix).Append('\n');
        sb.Append(Address).Append('\n');
        sb.Append('\n');
        if (Statement is not null)
        {
            sb.Append(Statement).Append('\n');
        }

        sb.Append('\n');
        sb.Append("URI: ").Append(Uri).Append('\n');
        sb.Append("Version: ").Append(Version).Append('\n');
        sb.Append("Chain ID: ").Append(ChainId).Append('\n');
        sb.Append("Nonce: ").Append(Nonce).Append('\n');
        sb.Append("Issued At: ").Append(IssuedAt);
        if (ExpirationTime is not null)
        {
            sb.Append("\nExpiration Time: ").Append(ExpirationTime);
        }

        if (NotBefore is not null)
        {
            sb.Append("\nNot Before: ").Append(NotBefore);
        }

        if (RequestId is not null)
        {
            sb.Append("\nRequest ID: ").Append(RequestId);
        }

        if (Resources is not null)
        {
            sb.Append("\nResources:");
            foreach (var r in Resources)
            {
                sb.Append("\n- ").Append(r);
            }
        }

        return sb.ToString();
    }

    private static DateTimeOffset Instant(string text) =>
        Rfc3339.TryParse(text, out var v, out var e) ? v : throw new ProtocolFormatException(e);

    /// <summary>Checks every field; returns the first problem found (in message order) or null.</summary>
    internal ProtocolError? ValidateFields()
    {
        if (Scheme is not null && !Rfc3986.IsScheme(Scheme))
        {
            return Err("siwe.scheme_invalid", "The scheme before the domain is not an RFC 3986 scheme.");
        }

        if (string.IsNullOrEmpty(Domain))
        {
            return Err("siwe.domain_missing", "The domain is missing.");
        }

        if (!Rfc3986.IsAuthority(Domain, requireHost: true, out var reason))
        {
            return Err("siwe.domain_invalid", "The domain is not an RFC 3986 authority: " + reason + ".");
        }

        if (string.IsNullOrEmpty(Address))
        {
            return Err("siwe.address_missing", "The address is missing.");
        }

        if (CheckAddress(Address) is { } addressError)
        {
            return addressError;
        }

        if (Statement is not null)
        {
            foreach (var c in Statement)
            {
                if (!(Rfc3986.IsReserved(c) || Rfc3986.IsUnreserved(c) || c == ' '))
                {
                    return Err("siwe.statement_invalid",
                        c == '\n' ? "The statement contains a line break." : $"The statement contains the character U+{(int)c:X4}, which EIP-4361 does not allow.");
                }
            }
        }

        if (string.IsNullOrEmpty(Uri))
        {
            return Err("siwe.uri_missing", "The URI is missing.");
        }

        if (!Rfc3986.TryParseUri(Uri, out _, out reason))
        {
            return Err("siwe.uri_invalid", "The URI is not an RFC 3986 URI: " + reason + ".");
        }

        if (string.IsNullOrEmpty(Version))
        {
            return Err("siwe.version_missing", "The version is missing.");
        }

        if (Version != "1")
        {
            return Err("siwe.version_unsupported", "The version must be 1.");
        }

        if (CheckChainId(ChainId) is { } chainError)
        {
            return chainError;
        }

        if (string.IsNullOrEmpty(Nonce))
        {
            return Err("siwe.nonce_missing", "The nonce is missing.");
        }

        if (Nonce.Length < 8 || !Nonce.All(c => Rfc3986.IsAlpha(c) || Rfc3986.IsDigit(c)))
        {
            return Err("siwe.nonce_invalid", "The nonce must be at least 8 ASCII letters or digits.");
        }

        if (string.IsNullOrEmpty(IssuedAt))
        {
            return Err("siwe.issued_at_missing", "Issued At is missing.");
        }

        if (CheckTime(IssuedAt, "siwe.issued_at_invalid", "Issued At") is { } e1)
        {
            return e1;
        }

        if (ExpirationTime is not null && CheckTime(ExpirationTime, "siwe.expiration_time_invalid", "Expiration Time") is { } e2)
        {
            return e2;
        }

        if (NotBefore is not null && CheckTime(NotBefore, "siwe.not_before_invalid", "Not Before") is { } e3)
        {
            return e3;
        }

        if (RequestId is not null && !Rfc3986.IsPchars(RequestId))
        {
            return Err("siwe.request_id_invalid", "The Request ID contains a character outside RFC 3986 pchar.");
        }

        if (Resources is not null)
        {
            for (var i = 0; i < Resources.Count; i++)
            {
                var r = Resources[i];
                if (r is null || !Rfc3986.TryParseUri(r, out _, out reason))
                {
                    return Err("siwe.resource_invalid", $"Resource {i + 1} is not an RFC 3986 URI: {reason ?? "missing"}.");
                }
            }
        }

        return null;
    }

    private static ProtocolError? CheckAddress(string address)
    {
        if (address.Length != 42 || address[0] != '0' || address[1] != 'x'
            || !address.AsSpan(2).ToString().All(Rfc3986.IsHexDigit))
        {
            return Err("siwe.address_invalid", "The address must be 0x followed by 40 hex digits.");
        }

        var bytes = Convert.FromHexString(address.AsSpan(2));
        if (!string.Equals(Ethereum.ToChecksumAddress(bytes), address, StringComparison.Ordinal))
        {
            return Err("siwe.address_not_eip55", "The address is not in EIP-55 checksum form.");
        }

        return null;
    }

    private static ProtocolError? CheckChainId(string? chainId)
    {
        if (string.IsNullOrEmpty(chainId))
        {
            return Err("siwe.chain_id_missing", "The chain id is missing.");
        }

        if (!chainId.All(Rfc3986.IsDigit))
        {
            return Err("siwe.chain_id_invalid", "The chain id must be decimal digits.");
        }

        if (chainId.Length > 1 && chainId[0] == '0')
        {
            return Err("siwe.chain_id_invalid", "The chain id must not have leading zeros.");
        }

        if (!ulong.TryParse(chainId, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return Err("siwe.chain_id_invalid", "The chain id is out of range.");
        }

        return null;
    }

    private static ProtocolError? CheckTime(string text, string code, string field) =>
        Rfc3339.TryParse(text, out _, out var e) ? null : new ProtocolError(code, $"{field}: {e.Message}");

    private static ProtocolError Err(string code, string message) => new(code, message);
}
