using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using BcECDomain = Org.BouncyCastle.Crypto.Parameters.ECDomainParameters;

namespace Dm3.Adapters.Tests.Support;

/// <summary>
/// A loopback Key Vault over TLS that answers like the service (the documented REST contract the SDK speaks): a request
/// without the expected bearer token gets 401 with the <c>WWW-Authenticate</c> challenge (authorization + resource),
/// api-version checked, EC P-256K keys that sign the given digest with BouncyCastle and return r‖s with s forced HIGH on
/// every other call and no v, RSA keys for RSA-OAEP-256 wrap/unwrap, versioned kids, 404 KeyNotFound, and 429 with
/// Retry-After on request. <see cref="Requests"/> lists the authorized requests; <see cref="Challenges"/> counts 401s.
/// </summary>
public sealed class FakeKeyVault : IAsyncDisposable
{
    private static readonly BcECDomain Domain = CreateDomain();
    private readonly object _gate = new();
    private readonly Dictionary<string, List<(string Version, object Key)>> _keys = new(StringComparer.Ordinal);
    private LoopbackServer _server = null!;
    private int _signCount;

    public string ExpectedToken { get; set; } = "";
    public int ThrottleNext { get; set; }
    public int RetryAfterSeconds { get; set; } = 1;
    public string ApiVersion { get; set; } = "7.6";
    public List<string> Requests { get; } = [];
    public int Challenges { get; private set; }
    public int HighSReturned { get; private set; }
    public Uri VaultUri => _server.BaseAddress;

    public static async Task<FakeKeyVault> StartAsync()
    {
        var vault = new FakeKeyVault();
        vault._server = await LoopbackServer.StartAsync(vault.HandleAsync, https: true);
        return vault;
    }

    /// <summary>Adds a new version of an EC secp256k1 key and returns its private scalar (32 bytes).</summary>
    public byte[] AddEcKey(string name, byte[]? privateKey = null)
    {
        privateKey ??= RandomScalar();
        AddVersion(name, privateKey);
        return privateKey;
    }

    public RSA AddRsaKey(string name)
    {
        var rsa = RSA.Create(2048);
        AddVersion(name, rsa);
        return rsa;
    }

    private void AddVersion(string name, object key)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(name, out var versions))
            {
                _keys[name] = versions = [];
            }
            versions.Add((Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant(), key));
        }
    }

    public static byte[] PublicKey65(byte[] privateKey) => Domain.G.Multiply(new BigInteger(1, privateKey)).Normalize().GetEncoded(false);

    public static BigInteger N => Domain.N;

    public static byte[] RandomScalar()
    {
        while (true)
        {
            var bytes = RandomNumberGenerator.GetBytes(32);
            var d = new BigInteger(1, bytes);
            if (d.SignValue > 0 && d.CompareTo(Domain.N) < 0)
            {
                return bytes;
            }
        }
    }

    /// <summary>Independent check of an ECDSA signature (r, s) over a digest.</summary>
    public static bool Verify(byte[] publicKey65, byte[] digest, byte[] r, byte[] s)
    {
        var signer = new ECDsaSigner();
        signer.Init(false, new ECPublicKeyParameters(Domain.Curve.DecodePoint(publicKey65), Domain));
        return signer.VerifySignature(digest, new BigInteger(1, r), new BigInteger(1, s));
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + ExpectedToken || ExpectedToken.Length == 0)
        {
            lock (_gate)
            {
                Challenges++;
            }
            ctx.Response.Headers.WWWAuthenticate = "Bearer authorization=\"https://login.microsoftonline.com/tenant\", resource=\"https://vault.azure.net\"";
            await Error(ctx, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
            return;
        }
        lock (_gate)
        {
            Requests.Add(ctx.Request.Method + " " + ctx.Request.Path + ctx.Request.QueryString);
        }
        if (ctx.Request.Query["api-version"] != ApiVersion)
        {
            await Error(ctx, 400, "BadParameter", "api-version is missing or unsupported");
            return;
        }
        if (ThrottleNext > 0)
        {
            ThrottleNext--;
            ctx.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Error(ctx, 429, "Throttled", "Request was not processed because too many requests were received.");
            return;
        }

        var segments = ctx.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || segments[0] != "keys")
        {
            await Error(ctx, 404, "NotFound", "no such path");
            return;
        }
        var name = segments[1];
        (string Version, object Key)? entry;
        lock (_gate)
        {
            entry = !_keys.TryGetValue(name, out var versions) ? null
                : segments.Length >= 3 ? versions.Where(v => v.Version == segments[2]).Select(v => ((string, object)?)v).FirstOrDefault()
                : versions[^1];
        }
        if (entry is null)
        {
            await Error(ctx, 404, "KeyNotFound", $"A key with (name/id) {name} was not found in this key vault.");
            return;
        }
        var (version, key) = entry.Value;
        var kid = new Uri(VaultUri, $"keys/{name}/{version}").AbsoluteUri;

        if (ctx.Request.Method == "GET" && segments.Length <= 3)
        {
            await Json(ctx, 200, new { key = Jwk(kid, key), attributes = new { enabled = true, created = 1748772000, updated = 1748772000, recoveryLevel = "Recoverable+Purgeable", recoverableDays = 90, exportable = false }, tags = new { } });
            return;
        }
        if (ctx.Request.Method != "POST" || segments.Length != 4)
        {
            await Error(ctx, 405, "BadParameter", "unsupported");
            return;
        }

        using var body = await JsonDocument.ParseAsync(ctx.Request.Body);
        var alg = body.RootElement.GetProperty("alg").GetString();
        var value = FromB64Url(body.RootElement.GetProperty("value").GetString()!);
        switch (segments[3].ToLowerInvariant(), key) // the service matches operation names case-insensitively
        {
            case ("sign", byte[] privateKey) when alg == "ES256K":
                if (value.Length != 32)
                {
                    await Error(ctx, 400, "BadParameter", "digest must be 32 bytes");
                    return;
                }
                await Json(ctx, 200, new { kid, value = B64Url(Sign(privateKey, value)) });
                return;
            case ("wrapkey", RSA rsa) when alg == "RSA-OAEP-256":
                await Json(ctx, 200, new { kid, value = B64Url(rsa.Encrypt(value, RSAEncryptionPadding.OaepSHA256)) });
                return;
            case ("unwrapkey", RSA rsa) when alg == "RSA-OAEP-256":
                byte[] plain;
                try
                {
                    plain = rsa.Decrypt(value, RSAEncryptionPadding.OaepSHA256);
                }
                catch (CryptographicException)
                {
                    await Error(ctx, 400, "BadParameter", "decryption failed");
                    return;
                }
                await Json(ctx, 200, new { kid, value = B64Url(plain) });
                return;
            default:
                await Error(ctx, 400, "BadParameter", $"operation {segments[3]} with {alg} not supported by this key");
                return;
        }
    }

    private byte[] Sign(byte[] privateKey, byte[] digest)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, new ECPrivateKeyParameters(new BigInteger(1, privateKey), Domain));
        var rs = signer.GenerateSignature(digest);
        var r = rs[0];
        var s = rs[1];
        var half = Domain.N.ShiftRight(1);
        var forceHigh = Interlocked.Increment(ref _signCount) % 2 == 1;
        if (forceHigh && s.CompareTo(half) <= 0)
        {
            s = Domain.N.Subtract(s);
        }
        if (s.CompareTo(half) > 0)
        {
            HighSReturned++;
        }
        var output = new byte[64];
        r.ToByteArrayUnsigned().CopyTo(output, 32 - r.ToByteArrayUnsigned().Length);
        s.ToByteArrayUnsigned().CopyTo(output, 64 - s.ToByteArrayUnsigned().Length);
        return output;
    }

    private static object Jwk(string kid, object key)
    {
        if (key is byte[] privateKey)
        {
            var pub = PublicKey65(privateKey);
            // Like some JWK producers, send minimal big-endian coordinates (leading zero bytes stripped).
            return new { kid, kty = "EC", key_ops = new[] { "sign", "verify" }, crv = "P-256K", x = B64Url(TrimZeros(pub.AsSpan(1, 32))), y = B64Url(TrimZeros(pub.AsSpan(33, 32))) };
        }
        var parameters = ((RSA)key).ExportParameters(false);
        return new { kid, kty = "RSA", key_ops = new[] { "wrapKey", "unwrapKey" }, n = B64Url(parameters.Modulus!), e = B64Url(parameters.Exponent!) };
    }

    private static byte[] TrimZeros(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length - 1 && bytes[i] == 0)
        {
            i++;
        }
        return bytes[i..].ToArray();
    }

    private static Task Error(HttpContext ctx, int status, string code, string message) =>
        Json(ctx, status, new { error = new { code, message } });

    private static async Task Json(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    public static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromB64Url(string text)
    {
        var b64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '='));
    }

    private static BcECDomain CreateDomain()
    {
        var p = SecNamedCurves.GetByName("secp256k1");
        return new BcECDomain(p.Curve, p.G, p.N, p.H);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        lock (_gate)
        {
            foreach (var rsa in _keys.Values.SelectMany(v => v).Select(v => v.Key).OfType<RSA>())
            {
                rsa.Dispose();
            }
        }
    }
}
