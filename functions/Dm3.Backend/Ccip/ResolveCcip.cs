using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Backend.Resolution;
using Dm3.Backend.Signing;
using Dm3.Protocol;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Json;
using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Ccip;

/// <summary>A gateway request as received: <paramref name="Sender"/> and <paramref name="Data"/> are hex text (wire formats §12.2).</summary>
public sealed record CcipGatewayRequest(string? Sender, string? Data)
{
    /// <summary>From the GET form <c>/ccip/{sender}/{data}</c>: one trailing <c>.json</c> is stripped.</summary>
    public static CcipGatewayRequest FromGet(string? sender, string? data) =>
        new(sender, data is not null && data.EndsWith(".json", StringComparison.Ordinal) ? data[..^5] : data);

    /// <summary>From the POST form: a JSON object <c>{"data":"0x…","sender":"0x…"}</c> (duplicate keys rejected).</summary>
    public static bool TryParsePost(string? json, [NotNullWhen(true)] out CcipGatewayRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        if (json is null || !CanonicalJson.TryParse(json, out var node, out _) || node is not JsonObject body)
        {
            error = "the body must be a JSON object {\"data\",\"sender\"}";
            return false;
        }

        if (body["sender"] is not JsonValue senderValue || !senderValue.TryGetValue<string>(out var sender)
            || body["data"] is not JsonValue dataValue || !dataValue.TryGetValue<string>(out var data))
        {
            error = "sender and data must be strings";
            return false;
        }

        request = new CcipGatewayRequest(sender, data);
        error = null;
        return true;
    }
}

public enum CcipStatus
{
    /// <summary>200 with <see cref="CcipGatewayResult.Body"/> = <c>{"data":"0x…"}</c>.</summary>
    Answered,

    /// <summary>404 <c>{"message":"unknown sender"}</c>.</summary>
    UnknownSender,

    /// <summary>400 <c>{"message":…}</c>.</summary>
    Malformed,
}

/// <summary>The gateway's answer: the UTF-8 JSON body when answered, else a message for <c>{"message"}</c>.</summary>
public sealed record CcipGatewayResult(CcipStatus Status, byte[]? Body, string? Message)
{
    internal static readonly CcipGatewayResult UnknownSenderResult = new(CcipStatus.UnknownSender, null, "unknown sender");

    internal static CcipGatewayResult Malformed(string message) => new(CcipStatus.Malformed, null, message);
}

/// <summary>
/// The CCIP-Read gateway (EIP-3668, ENSIP-10; wire formats §12, decisions §14–§17). For a configured sender it decodes
/// the calldata, reads the name's records with one point read (none for the DS name, which comes from configuration),
/// answers each record query (missing records are signed zero values), signs with the sender's family digest and caches
/// the answer by (sender, SHA-256 of the calldata bytes) until its expiry − 60 s. A cache hit costs one dictionary lookup.
/// </summary>
public sealed class CcipGateway
{
    private readonly Dictionary<string, Resolver> _resolvers;
    private readonly HostedRecordSource _hosted;
    private readonly IDigestSigner _signer;
    private readonly TimeProvider _time;
    private readonly GatewayAnswerCache _cache;
    private readonly GatewayOptions _options;

    public CcipGateway(GatewayOptions options, AppCatalog apps, NameStore names, IDigestSigner signer, TimeProvider time, DeliveryServiceOptions deliveryService)
        : this(options, new HostedRecordSource(apps, names, deliveryService, time, TimeSpan.FromSeconds(options?.SignatureTtlSeconds ?? 0)), signer, time)
    {
    }

    /// <summary>The gateway over a shared <see cref="HostedRecordSource"/> (the same record cache as the resolver's).</summary>
    public CcipGateway(GatewayOptions options, HostedRecordSource hosted, IDigestSigner signer, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hosted);
        _options = options;
        _resolvers = BuildResolvers(options);
        _hosted = hosted;
        _signer = signer;
        _time = time;
        _cache = new GatewayAnswerCache(time, options.CacheMaxEntries);
    }

    /// <summary>Number of configured resolver contracts.</summary>
    public int ResolverCount => _resolvers.Count;

    /// <summary>Number of cached answers (diagnostics and tests).</summary>
    public int CachedAnswers => _cache.Count;

    /// <summary>Validates <see cref="GatewayOptions"/>; errors name the offending setting.</summary>
    public static IReadOnlyList<string> Validate(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.SignatureTtlSeconds is < 61 or > 86_400)
        {
            errors.Add("Gateway:SignatureTtlSeconds must be between 61 and 86400 (answers are cached until expiry - 60 s).");
        }

        if (options.MaxCalldataHexLength is < 8 or > 1024 * 1024)
        {
            errors.Add("Gateway:MaxCalldataHexLength must be between 8 and 1048576.");
        }

        if (options.MaxUrlLength is < 100 or > 64 * 1024)
        {
            errors.Add("Gateway:MaxUrlLength must be between 100 and 65536.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Resolvers.Count; i++)
        {
            var r = options.Resolvers[i];
            if (!Ethereum.TryParseAddress(r.Address?.Trim(), out var address, out var error, requireChecksumIfMixedCase: false))
            {
                errors.Add($"Gateway:Resolvers:{i}:Address: {error.Message}");
                continue;
            }

            if (!TryParseFamily(r.Family, out _))
            {
                errors.Add($"Gateway:Resolvers:{i}:Family must be 'ens' or 'dm3'.");
            }

            if (!seen.Add(Ethereum.ToLowerAddress(address)))
            {
                errors.Add($"Gateway:Resolvers:{i}:Address is configured twice.");
            }
        }

        return errors;
    }

    public static bool TryParseFamily(string? text, out ResolverFamily family)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "ens":
                family = ResolverFamily.EnsOffchainResolver;
                return true;
            case "dm3":
                family = ResolverFamily.Dm3Resolver;
                return true;
            default:
                family = default;
                return false;
        }
    }

    public async ValueTask<CcipGatewayResult> ResolveAsync(CcipGatewayRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryNormaliseAddressText(request.Sender, out var sender))
        {
            return CcipGatewayResult.Malformed("sender must be a 0x-prefixed 20-byte hex address");
        }

        if (!_resolvers.TryGetValue(sender, out var resolver))
        {
            return CcipGatewayResult.UnknownSenderResult;
        }

        var data = request.Data;
        if (data is null || data.Length < 2 || data[0] != '0' || (data[1] != 'x' && data[1] != 'X'))
        {
            return CcipGatewayResult.Malformed("data must be 0x-prefixed hex calldata");
        }

        var hexLength = data.Length - 2;
        if (hexLength > _options.MaxCalldataHexLength)
        {
            return CcipGatewayResult.Malformed($"calldata is longer than {_options.MaxCalldataHexLength} hex characters");
        }

        if ((hexLength & 1) != 0)
        {
            return CcipGatewayResult.Malformed("calldata has an odd number of hex digits");
        }

        if (!Hex.TryDecode(data, out var calldata))
        {
            return CcipGatewayResult.Malformed("calldata is not valid hex");
        }

        var key = GatewayAnswerCache.Key(sender, calldata);
        if (_cache.TryGet(key, out var cached))
        {
            return new CcipGatewayResult(CcipStatus.Answered, cached, null);
        }

        if (!CcipRequest.TryDecode(calldata, out var decoded, out var error))
        {
            return CcipGatewayResult.Malformed(error.Message);
        }

        if (decoded.Family != resolver.Family)
        {
            return CcipGatewayResult.Malformed(resolver.Family == ResolverFamily.EnsOffchainResolver
                ? "this resolver expects resolve(bytes,bytes) calldata"
                : "this resolver expects resolveWithContext(bytes,bytes,bytes) calldata");
        }

        var (records, readAt, ttl) = await LookupAsync(decoded.Name, cancellationToken).ConfigureAwait(false);
        var result = CcipResults.Encode(decoded.Query, resolver.Family, records.Find);
        var expires = CcipSigning.ExpiresAt(readAt, ttl);
        var digest = CcipSigning.DigestToSign(resolver.Family, resolver.Address, expires, calldata, result);
        var signature = await _signer.SignDigestAsync(digest, cancellationToken).ConfigureAwait(false);
        var response = CcipSigning.AssembleResponse(result, expires, signature);
        var body = Encoding.UTF8.GetBytes(response.BodyJson);
        _cache.Set(key, body, DateTimeOffset.FromUnixTimeSeconds((long)expires));
        return new CcipGatewayResult(CcipStatus.Answered, body, null);
    }

    /// <summary>
    /// The records of a name from the shared hosted-record cache; the answer's expiry counts from when the records were
    /// read from storage, so a cached record never extends staleness beyond the signature lifetime (decisions §14).
    /// </summary>
    private async ValueTask<(NameRecords Records, DateTimeOffset ReadAt, TimeSpan Ttl)> LookupAsync(string name, CancellationToken cancellationToken)
    {
        if (_hosted.Classify(name) is not { } hosted)
        {
            return (NameRecords.None, _time.GetUtcNow(), TimeSpan.FromSeconds(_options.SignatureTtlSeconds));
        }

        var read = await _hosted.ReadAsync(hosted, cancellationToken).ConfigureAwait(false);
        var r = read.Records;
        // network.dm3.link: "" once the attestation has expired (linked-profiles §9.3).
        return (new NameRecords(r.Address, r.ProfileRecord, Lsp.LiveLinkRecord.Serve(r.LinkRecord, _time.GetUtcNow()), r.DeliveryServiceRecord), read.ReadAt, _hosted.SignatureTtl(hosted));
    }

    private static bool TryNormaliseAddressText(string? text, [NotNullWhen(true)] out string? lower)
    {
        lower = null;
        if (text is not { Length: 42 } || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        {
            return false;
        }

        for (var i = 2; i < 42; i++)
        {
            if (!Uri.IsHexDigit(text[i]))
            {
                return false;
            }
        }

        lower = IsLowerHex(text) ? text : "0x" + text[2..].ToLowerInvariant();
        return true;
    }

    private static bool IsLowerHex(string text)
    {
        if (text[1] != 'x')
        {
            return false;
        }

        for (var i = 2; i < text.Length; i++)
        {
            if (text[i] is >= 'A' and <= 'F')
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, Resolver> BuildResolvers(GatewayOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid gateway configuration: " + string.Join(" ", errors));
        }

        var map = new Dictionary<string, Resolver>(StringComparer.Ordinal);
        foreach (var r in options.Resolvers)
        {
            Ethereum.TryParseAddress(r.Address.Trim(), out var address, out _, requireChecksumIfMixedCase: false);
            TryParseFamily(r.Family, out var family);
            map[Ethereum.ToLowerAddress(address!)] = new Resolver(address!, family);
        }

        return map;
    }

    private sealed record Resolver(byte[] Address, ResolverFamily Family);

    /// <summary>The records of one name, read once per request (a multicall asks several questions of the same row).</summary>
    private sealed record NameRecords(byte[]? Address, string? ProfileRecord, string? LinkRecord, string? DeliveryServiceRecord)
    {
        public static readonly NameRecords None = new(null, null, null, null);

        public RecordValue? Find(RecordQuery query) => query switch
        {
            RecordQuery.Text { Key: ProfileTextRecord.ProfileKey } => Text(ProfileRecord),
            RecordQuery.Text { Key: ProfileTextRecord.DeliveryServiceKey } => Text(DeliveryServiceRecord),
            RecordQuery.Text { Key: LinkKey } => Text(LinkRecord),
            RecordQuery.Addr => Address is null ? null : new RecordValue.Address(Address),
            RecordQuery.AddrCoin { IsEthereum: true } => Address is null ? null : new RecordValue.Address(Address),
            _ => null,
        };

        private static RecordValue.Text? Text(string? value) => value is null ? null : new RecordValue.Text(value);
    }

    /// <summary>The Linked Profiles attestation record (linked-profiles §9).</summary>
    public const string LinkKey = "network.dm3.link";
}
