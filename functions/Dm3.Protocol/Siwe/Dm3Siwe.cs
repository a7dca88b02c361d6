using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using Dm3.Protocol.Crypto;

namespace Dm3.Protocol.Siwe;

/// <summary>How a verifier reads an EIP-4361 text.</summary>
public enum SiweMode
{
    /// <summary>The EIP-4361 ABNF only (no dm3 limits). For interoperability tests and foreign messages.</summary>
    Eip4361 = 0,

    /// <summary>
    /// Messages that dm3 writes (linked-profiles §2): our exact layout and limits, re-serialised byte for byte.
    /// No scheme, a statement, no Not Before / Request ID, nonce = 32 lower-case hex, timestamps
    /// <c>YYYY-MM-DDTHH:MM:SSZ</c>, https URI whose authority equals the domain, 1–8 resources.
    /// </summary>
    Strict = 1,

    /// <summary>
    /// A dApp's own SIWE text carrying our nonce (decisions §22): anything the ABNF allows (optional
    /// <c>scheme://</c>, no statement, millisecond or offset timestamps, Not Before, Request ID) within the
    /// dm3 size limits of linked-profiles §2.2 / §11. Field texts are kept verbatim for the signature check.
    /// </summary>
    Lenient = 2,
}

/// <summary>dm3's EIP-4361 rules (linked-profiles §2) on top of the plain ABNF reader.</summary>
public static class Dm3Siwe
{
    public const int MaxMessageBytes = 2048;
    public const int MaxDomainBytes = 253;
    public const int MaxStatementChars = 256;
    public const int MaxUriBytes = 512;
    public const int MinResources = 1;
    public const int MaxResources = 8;
    public const int MaxResourceBytes = 512;
    public const int NonceHexLength = 32;

    /// <summary>A fresh nonce in our format: 32 lower-case hex characters (128 bits from the OS CSPRNG).</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(NonceHexLength / 2));

    /// <summary>True when <paramref name="nonce"/> is exactly 32 lower-case hex characters.</summary>
    public static bool IsOurNonce(string? nonce) =>
        nonce is { Length: NonceHexLength } && nonce.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>Our timestamp form <c>YYYY-MM-DDTHH:MM:SSZ</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset instant) => Rfc3339.Format(instant);

    /// <summary>Parses a text in the given mode. Never throws.</summary>
    public static bool TryParse(string? text, SiweMode mode, [NotNullWhen(true)] out SiweMessage? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        if (text is not null && mode != SiweMode.Eip4361 && System.Text.Encoding.UTF8.GetByteCount(text) > MaxMessageBytes)
        {
            error = new ProtocolError("siwe.too_large", $"The message is larger than {MaxMessageBytes} bytes.");
            return false;
        }

        if (!SiweMessage.TryParse(text, out var parsed, out error))
        {
            return false;
        }

        error = mode switch
        {
            SiweMode.Strict => CheckLimits(parsed) ?? CheckStrictLayout(parsed, text!),
            SiweMode.Lenient => CheckLimits(parsed),
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }

        message = parsed;
        return true;
    }

    /// <summary>Parses a message that dm3 wrote (<see cref="SiweMode.Strict"/>).</summary>
    public static bool TryParseStrict(string? text, [NotNullWhen(true)] out SiweMessage? message, [NotNullWhen(false)] out ProtocolError? error) =>
        TryParse(text, SiweMode.Strict, out message, out error);

    /// <summary>Parses a dApp's own SIWE text (<see cref="SiweMode.Lenient"/>).</summary>
    public static bool TryParseLenient(string? text, [NotNullWhen(true)] out SiweMessage? message, [NotNullWhen(false)] out ProtocolError? error) =>
        TryParse(text, SiweMode.Lenient, out message, out error);

    /// <summary>
    /// Formats a message that dm3 writes: validates the ABNF, our limits and our layout, so an invalid field set
    /// cannot become text.
    /// </summary>
    public static bool TryFormatStrict(SiweMessage fields, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        if (!fields.TryFormat(out var candidate, out error))
        {
            return false;
        }

        error = CheckLimits(fields) ?? CheckStrictLayout(fields, candidate);
        if (error is not null)
        {
            return false;
        }

        text = candidate;
        return true;
    }

    /// <summary>Formats a message that dm3 writes; throws <see cref="ProtocolFormatException"/> when a field breaks the rules.</summary>
    public static string FormatStrict(SiweMessage fields) =>
        TryFormatStrict(fields, out var text, out var error) ? text : throw new ProtocolFormatException(error);

    /// <summary>
    /// Builds the field set of a message in our layout. <paramref name="address20"/> is written in EIP-55 form,
    /// timestamps as <c>YYYY-MM-DDTHH:MM:SSZ</c>. Validate it with <see cref="TryFormatStrict"/>.
    /// </summary>
    public static SiweMessage Compose(string domain, ReadOnlySpan<byte> address20, string statement, string uri, ulong chainId,
        string nonce, DateTimeOffset issuedAt, DateTimeOffset? expirationTime, IReadOnlyList<string> resources) =>
        new(null, domain, Ethereum.ToChecksumAddress(address20), statement, uri, "1",
            chainId.ToString(CultureInfo.InvariantCulture), nonce, Rfc3339.Format(issuedAt),
            expirationTime is null ? null : Rfc3339.Format(expirationTime.Value), null, null, resources);

    /// <summary>The size limits of linked-profiles §2.2 / §11 (both modes).</summary>
    internal static ProtocolError? CheckLimits(SiweMessage m)
    {
        if (Utf8(m.FormatUnchecked()) > MaxMessageBytes)
        {
            return new ProtocolError("siwe.too_large", $"The message is larger than {MaxMessageBytes} bytes.");
        }

        if (Utf8(m.Domain) > MaxDomainBytes)
        {
            return new ProtocolError("siwe.domain_too_long", $"The domain is longer than {MaxDomainBytes} bytes.");
        }

        if (m.Statement is not null && m.Statement.Length > MaxStatementChars)
        {
            return new ProtocolError("siwe.statement_too_long", $"The statement is longer than {MaxStatementChars} characters.");
        }

        if (Utf8(m.Uri) > MaxUriBytes)
        {
            return new ProtocolError("siwe.uri_too_long", $"The URI is longer than {MaxUriBytes} bytes.");
        }

        var count = m.Resources?.Count ?? 0;
        if (count is < MinResources or > MaxResources)
        {
            return new ProtocolError("siwe.resources_count", $"A dm3 message carries {MinResources} to {MaxResources} resources; this one has {count}.");
        }

        foreach (var r in m.Resources!)
        {
            if (Utf8(r) > MaxResourceBytes)
            {
                return new ProtocolError("siwe.resource_too_long", $"A resource is longer than {MaxResourceBytes} bytes.");
            }
        }

        return null;
    }

    /// <summary>Our writer's layout (linked-profiles §2.1–2.2) plus byte-exact re-serialisation.</summary>
    internal static ProtocolError? CheckStrictLayout(SiweMessage m, string text)
    {
        if (m.Scheme is not null)
        {
            return new ProtocolError("siwe.layout_scheme", "Messages written by dm3 have no scheme before the domain.");
        }

        if (string.IsNullOrEmpty(m.Statement))
        {
            return new ProtocolError("siwe.layout_statement", "Messages written by dm3 have a statement.");
        }

        if (m.NotBefore is not null || m.RequestId is not null)
        {
            return new ProtocolError("siwe.layout_optional_field", "Messages written by dm3 carry neither Not Before nor Request ID.");
        }

        if (!IsOurNonce(m.Nonce))
        {
            return new ProtocolError("siwe.layout_nonce", "The nonce must be exactly 32 lower-case hex characters.");
        }

        if (!Rfc3339.IsStrictUtcSeconds(m.IssuedAt) || (m.ExpirationTime is not null && !Rfc3339.IsStrictUtcSeconds(m.ExpirationTime)))
        {
            return new ProtocolError("siwe.layout_timestamp", "Timestamps must have the form YYYY-MM-DDTHH:MM:SSZ.");
        }

        if (!Rfc3986.TryParseUri(m.Uri, out var uri, out _) || uri.Scheme != "https" || uri.Authority is null)
        {
            return new ProtocolError("siwe.layout_uri", "The URI must be an absolute https URI.");
        }

        if (!string.Equals(uri.Authority, m.Domain, StringComparison.Ordinal))
        {
            return new ProtocolError("siwe.layout_uri_authority", "The URI's authority must equal the domain.");
        }

        if (!string.Equals(m.FormatUnchecked(), text, StringComparison.Ordinal))
        {
            return new ProtocolError("siwe.layout_reserialise", "The text differs from its re-serialisation.");
        }

        return null;
    }

    private static int Utf8(string s) => System.Text.Encoding.UTF8.GetByteCount(s);
}
