using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Messaging;

namespace Dm3.Protocol.Delivery;

/// <summary>Claims of a challenge token (W§10.1): <c>{account, challenge, iat, nbf, exp}</c>; times in Unix seconds.</summary>
public sealed record ChallengeClaims(string Account, string Challenge, long IssuedAt, long NotBefore, long Expires);

/// <summary>Claims of an auth token (W§10.1): <c>{account, iat, nbf, exp}</c>; times in Unix seconds.</summary>
public sealed record AuthClaims(string Account, long IssuedAt, long NotBefore, long Expires);

/// <summary>
/// Delivery-service HS256 JWTs (W§10.1). Claims are written in <c>jsonwebtoken</c>'s insertion order
/// (account, challenge, iat, nbf, exp) so that reference tokens are reproduced byte for byte. Verification is strict:
/// header <c>{"alg":"HS256"[, "typ":"JWT"]}</c>, exact payload member sets, integer times, a lifetime (exp − iat) no longer
/// than the one issued, 60 s skew on nbf and iat, none on exp. Failures are error values. The HMAC key is the raw key bytes.
/// </summary>
public static class DeliveryServiceJwt
{
    public const long ChallengeLifetimeSeconds = 900;
    public const long AuthLifetimeSeconds = 3600;
    public const long ClockSkewSeconds = 60;

    private const string HeaderJson = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    private static readonly string[] ChallengeMembers = ["account", "challenge", "iat", "nbf", "exp"];
    private static readonly string[] AuthMembers = ["account", "iat", "nbf", "exp"];
    private static readonly string[] HeaderRequired = ["alg"];
    private static readonly string[] HeaderOptional = ["typ"];

    /// <summary>Challenge token: nbf = iat, exp = iat + 900.</summary>
    public static string CreateChallenge(ReadOnlySpan<byte> hmacKey, string account, string challenge, long issuedAtSeconds)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(challenge);
        var payload = "{\"account\":" + CanonicalJson.SerializeString(account)
            + ",\"challenge\":" + CanonicalJson.SerializeString(challenge)
            + ",\"iat\":" + issuedAtSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ",\"nbf\":" + issuedAtSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ",\"exp\":" + (issuedAtSeconds + ChallengeLifetimeSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
        return Sign(hmacKey, payload);
    }

    /// <summary>Auth token: nbf = iat, exp = iat + lifetime (default 3600).</summary>
    public static string CreateAuthToken(ReadOnlySpan<byte> hmacKey, string account, long issuedAtSeconds, long lifetimeSeconds = AuthLifetimeSeconds)
    {
        ArgumentNullException.ThrowIfNull(account);
        var payload = "{\"account\":" + CanonicalJson.SerializeString(account)
            + ",\"iat\":" + issuedAtSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ",\"nbf\":" + issuedAtSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ",\"exp\":" + (issuedAtSeconds + lifetimeSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
        return Sign(hmacKey, payload);
    }

    public static bool TryVerifyChallenge(ReadOnlySpan<byte> hmacKey, string? token, long nowSeconds, [NotNullWhen(true)] out ChallengeClaims? claims, [NotNullWhen(false)] out ProtocolError? error)
    {
        claims = null;
        if (!TryVerify(hmacKey, token, nowSeconds, ChallengeMembers, ChallengeLifetimeSeconds, out var payload, out var times, out error))
        {
            return false;
        }

        if (!JsonShape.TryString(payload, "jwt.payload", "account", out var account, out error)
            || !JsonShape.TryString(payload, "jwt.payload", "challenge", out var challenge, out error))
        {
            error = Err("jwt.bad_claims", error!.Message);
            return false;
        }

        claims = new ChallengeClaims(account, challenge, times.Iat, times.Nbf, times.Exp);
        return true;
    }

    public static bool TryVerifyAuthToken(ReadOnlySpan<byte> hmacKey, string? token, long nowSeconds, [NotNullWhen(true)] out AuthClaims? claims, [NotNullWhen(false)] out ProtocolError? error)
    {
        claims = null;
        if (!TryVerify(hmacKey, token, nowSeconds, AuthMembers, AuthLifetimeSeconds, out var payload, out var times, out error))
        {
            return false;
        }

        if (!JsonShape.TryString(payload, "jwt.payload", "account", out var account, out error))
        {
            error = Err("jwt.bad_claims", error.Message);
            return false;
        }

        claims = new AuthClaims(account, times.Iat, times.Nbf, times.Exp);
        return true;
    }

    private static string Sign(ReadOnlySpan<byte> hmacKey, string payloadJson)
    {
        var signingInput = Base64Url(System.Text.Encoding.UTF8.GetBytes(HeaderJson)) + "." + Base64Url(System.Text.Encoding.UTF8.GetBytes(payloadJson));
        var mac = HMACSHA256.HashData(hmacKey, System.Text.Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(mac);
    }

    /// <param name="maxLifetime">The lifetime this kind of token is issued with: a validly signed token claiming a longer one
    /// (exp − iat), or none at all, is refused (<c>jwt.bad_lifetime</c>), so a signature alone never buys a longer session.</param>
    private static bool TryVerify(ReadOnlySpan<byte> hmacKey, string? token, long now, string[] members, long maxLifetime, [NotNullWhen(true)] out JsonObject? payload, out (long Iat, long Nbf, long Exp) times, [NotNullWhen(false)] out ProtocolError? error)
    {
        payload = null;
        times = default;
        if (string.IsNullOrEmpty(token) || token.Length > 8192)
        {
            error = Err("jwt.malformed", "The token is empty or too long.");
            return false;
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            error = Err("jwt.malformed", "A JWT has three dot-separated parts.");
            return false;
        }

        if (!TryBase64UrlDecode(parts[0], out var headerBytes) || !TryBase64UrlDecode(parts[1], out var payloadBytes) || !TryBase64UrlDecode(parts[2], out var signature))
        {
            error = Err("jwt.malformed", "A JWT part is not unpadded base64url.");
            return false;
        }

        if (!TryUtf8(headerBytes, out var headerJson) || !JsonShape.TryParseObject(headerJson, "jwt.header", out var header, out _)
            || !JsonShape.CheckMembers(header, "jwt.header", HeaderRequired, HeaderOptional, out _)
            || !JsonShape.TryString(header, "jwt.header", "alg", out var alg, out _))
        {
            error = Err("jwt.malformed", "The JWT header is not a valid {alg, typ} object.");
            return false;
        }

        if (alg != "HS256")
        {
            error = Err("jwt.bad_algorithm", "Only HS256 tokens are accepted.");
            return false;
        }

        if (header.ContainsKey("typ") && (!JsonShape.TryString(header, "jwt.header", "typ", out var typ, out _) || typ != "JWT"))
        {
            error = Err("jwt.malformed", "The JWT typ must be \"JWT\".");
            return false;
        }

        var expected = HMACSHA256.HashData(hmacKey, System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            error = Err("jwt.bad_signature", "The token signature is invalid.");
            return false;
        }

        if (!TryUtf8(payloadBytes, out var payloadJson) || !JsonShape.TryParseObject(payloadJson, "jwt.payload", out payload, out _))
        {
            error = Err("jwt.malformed", "The JWT payload is not a JSON object.");
            return false;
        }

        if (!JsonShape.CheckMembers(payload, "jwt.payload", members, JsonShape.None, out var memberError))
        {
            payload = null;
            error = Err("jwt.bad_claims", memberError.Message);
            return false;
        }

        if (!TryTime(payload, "iat", out var iat) || !TryTime(payload, "nbf", out var nbf) || !TryTime(payload, "exp", out var exp))
        {
            payload = null;
            error = Err("jwt.bad_claims", "iat, nbf and exp must be non-negative integers (Unix seconds).");
            return false;
        }

        if (exp <= iat || exp - iat > maxLifetime)
        {
            payload = null;
            error = Err("jwt.bad_lifetime", $"The token's lifetime (exp - iat) must be 1 to {maxLifetime} seconds.");
            return false;
        }

        if (now >= exp)
        {
            payload = null;
            error = Err("jwt.expired", "The token has expired.");
            return false;
        }

        if (nbf > now + ClockSkewSeconds)
        {
            payload = null;
            error = Err("jwt.not_yet_valid", "The token is not valid yet (nbf is in the future).");
            return false;
        }

        if (iat > now + ClockSkewSeconds)
        {
            payload = null;
            error = Err("jwt.not_yet_valid", "The token was issued in the future (iat).");
            return false;
        }

        times = (iat, nbf, exp);
        error = null;
        return true;
    }

    private static bool TryTime(JsonObject payload, string member, out long value)
    {
        value = 0;
        if (!JsonShape.TryNumber(payload, "jwt.payload", member, out var d, out _) || d != Math.Floor(d) || d < 0 || d > 9007199254740991d)
        {
            return false;
        }

        value = (long)d;
        return true;
    }

    private static ProtocolError Err(string code, string message) => new(code, message);

    private static bool TryUtf8(byte[] bytes, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = null;
            return false;
        }
    }

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static bool TryBase64UrlDecode(string text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (text.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }

        var standard = text.Replace('-', '+').Replace('_', '/');
        standard += new string('=', (4 - (standard.Length % 4)) % 4);
        if (!Base64Std.TryDecode(standard, out bytes))
        {
            bytes = null;
            return false;
        }

        return true;
    }
}

/// <summary>
/// The REFERENCE derivation of the delivery-service JWT secret: "0x" + hex(SHA-256(Ed25519 private key, 64 bytes)),
/// used as the UTF-8 bytes of that 66-character text. Only for reproducing the reference vector: our deployment
/// uses an independent random HMAC secret (W§10.1 project rule, decisions §23). Do not use it in production.
/// </summary>
public static class ReferenceSecretDerivation
{
    /// <summary>The 66-character secret text.</summary>
    public static string SecretText(ReadOnlySpan<byte> deliveryServiceSigningPrivateKey64)
    {
        if (deliveryServiceSigningPrivateKey64.Length != 64)
        {
            throw new ArgumentException("The Ed25519 private key must be 64 bytes.", nameof(deliveryServiceSigningPrivateKey64));
        }

        return Hex.Encode(Hashes.Sha256(deliveryServiceSigningPrivateKey64));
    }

    /// <summary>The HMAC key bytes: UTF-8 of <see cref="SecretText"/> (not the 32 digest bytes).</summary>
    public static byte[] HmacKey(ReadOnlySpan<byte> deliveryServiceSigningPrivateKey64) =>
        System.Text.Encoding.UTF8.GetBytes(SecretText(deliveryServiceSigningPrivateKey64));
}
