using System.Text;
using Dm3.Protocol;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Resolution;

public enum ResolutionStatus
{
    /// <summary>Address and a verified SignedUserProfile (delivery services resolved as far as possible).</summary>
    Resolved,

    /// <summary>The name is not ENSIP-15 valid: nothing was looked up (never resolved under a wrong namehash).</summary>
    InvalidName,

    /// <summary>No resolver, no profile record or no address.</summary>
    NotFound,

    /// <summary>A record exists but fails integrity (dm3Hash) or verification (signature vs. address), or is malformed.</summary>
    Rejected,

    /// <summary>Transient: the chain or every gateway could not be reached, or a limit was hit. Not cached.</summary>
    Failed,
}

/// <summary>A delivery service named by a profile, with its profile or the reason it did not resolve.</summary>
public sealed record ResolvedDeliveryService(string Name, DeliveryServiceProfile? Profile, ProtocolError? Error);

/// <summary>The result of resolving a name: <see cref="Source"/> is <c>hosted</c> or <c>ens</c>.</summary>
public sealed record NameResolution(
    ResolutionStatus Status,
    string? Name,
    byte[]? Address,
    SignedUserProfile? Profile,
    string? Source,
    IReadOnlyList<ResolvedDeliveryService> DeliveryServices,
    ProtocolError? Error,
    string? ProfileRecord = null)
{
    internal static NameResolution Fail(ResolutionStatus status, string? name, string? source, ProtocolError error, byte[]? address = null, string? record = null) =>
        new(status, name, address, null, source, [], error, record);
}

/// <summary>One text record of a name (empty when unset).</summary>
public sealed record TextRecordResolution(ResolutionStatus Status, string? Name, string? Value, ProtocolError? Error);

/// <summary>A delivery-service profile lookup (<c>network.dm3.deliveryService</c> of a DS name).</summary>
public sealed record DeliveryServiceResolution(ResolutionStatus Status, string? Name, DeliveryServiceProfile? Profile, ProtocolError? Error);

/// <summary>
/// Resolves any name's <c>network.dm3.profile</c>, <c>addr</c> and the <c>network.dm3.deliveryService</c> of its
/// delivery services (issue 11): hosted names from storage, every other name through ENS (<see cref="EnsReader"/>).
/// Profile records in the three forms of W§3.3 (inline <c>data:</c>, <c>https</c> with <c>dm3Hash</c>, <c>ipfs</c>
/// through the configured gateway); the SignedUserProfile is verified against the resolved address. Results are cached
/// per name (positive and negative TTLs, single-flight); transient failures are not cached.
/// </summary>
public sealed class NameResolver
{
    private readonly ResolutionOptions _options;
    private readonly IOutboundHttp _http;
    private readonly EnsReader? _ens;
    private readonly HostedRecordSource? _hosted;
    private readonly ResolutionCache<NameResolution> _profiles;
    private readonly ResolutionCache<DeliveryServiceResolution> _deliveryServices;

    public NameResolver(ResolutionOptions options, IOutboundHttp http, HostedRecordSource? hosted, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid resolution configuration: " + string.Join(" ", errors));
        }

        _options = options;
        _http = http;
        _hosted = hosted;
        if (!string.IsNullOrEmpty(options.RpcUrl))
        {
            Ethereum.TryParseAddress(options.Registry, out var registry, out _, requireChecksumIfMixedCase: false);
            _ens = new EnsReader(new EthereumRpc(http, new Uri(options.RpcUrl)), http, registry!);
        }

        _profiles = new ResolutionCache<NameResolution>(time, options.CacheMaxEntries);
        _deliveryServices = new ResolutionCache<DeliveryServiceResolution>(time, options.CacheMaxEntries);
    }

    /// <summary>Cached names (diagnostics and tests).</summary>
    public int CachedNames => _profiles.Count;

    /// <summary>Drops a name from the caches at once (a write to a hosted name).</summary>
    public void Invalidate(string name)
    {
        _profiles.Invalidate(name);
        _deliveryServices.Invalidate(name);
    }

    /// <summary>Resolves a user name: address, verified profile and its delivery services.</summary>
    public Task<NameResolution> ResolveAsync(string? name, CancellationToken cancellationToken)
    {
        if (!EnsNormalization.TryNormalize(name, out var normalized, out var error))
        {
            return Task.FromResult(NameResolution.Fail(ResolutionStatus.InvalidName, null, null, error));
        }

        return _profiles.GetOrAddAsync(normalized, ct => ResolveUncachedAsync(normalized, ct), r => Ttl(r.Status), cancellationToken);
    }

    /// <summary>Resolves the <c>network.dm3.deliveryService</c> record of a delivery-service name.</summary>
    public Task<DeliveryServiceResolution> ResolveDeliveryServiceAsync(string? name, CancellationToken cancellationToken)
    {
        if (!EnsNormalization.TryNormalize(name, out var normalized, out var error))
        {
            return Task.FromResult(new DeliveryServiceResolution(ResolutionStatus.InvalidName, null, null, error));
        }

        return _deliveryServices.GetOrAddAsync(
            normalized,
            ct => ResolveDeliveryServiceUncachedAsync(normalized, new ResolutionBudget(_options.MaxRequestsPerResolution), ct),
            r => Ttl(r.Status),
            cancellationToken);
    }

    private TimeSpan Ttl(ResolutionStatus status) => status switch
    {
        ResolutionStatus.Resolved => TimeSpan.FromSeconds(_options.CacheTtlSeconds),
        ResolutionStatus.NotFound or ResolutionStatus.Rejected => TimeSpan.FromSeconds(_options.NegativeCacheTtlSeconds),
        _ => TimeSpan.Zero,
    };

    private async Task<NameResolution> ResolveUncachedAsync(string name, CancellationToken cancellationToken)
    {
        var budget = new ResolutionBudget(_options.MaxRequestsPerResolution);
        var records = await ReadRecordsAsync(name, ProfileTextRecord.ProfileKey, wantAddress: true, budget, cancellationToken).ConfigureAwait(false);
        if (records.Error is not null)
        {
            return NameResolution.Fail(records.Status, name, records.Source, records.Error);
        }

        if (string.IsNullOrEmpty(records.Text))
        {
            return NameResolution.Fail(ResolutionStatus.NotFound, name, records.Source, new ProtocolError("resolution.no_profile", "The name has no network.dm3.profile record."), records.Address);
        }

        if (records.Address is null || Ensip10.IsZeroAddress(records.Address))
        {
            return NameResolution.Fail(ResolutionStatus.NotFound, name, records.Source, new ProtocolError("resolution.no_address", "The name has no address to verify its profile against."));
        }

        var json = await LoadRecordJsonAsync(records.Text, budget, cancellationToken).ConfigureAwait(false);
        if (json.Error is not null)
        {
            return NameResolution.Fail(json.Status, name, records.Source, json.Error, records.Address, records.Text);
        }

        if (!SignedUserProfile.TryParse(json.Json, out var profile, out var parseError))
        {
            return NameResolution.Fail(ResolutionStatus.Rejected, name, records.Source, parseError, records.Address, records.Text);
        }

        if (!profile.VerifySignature(records.Address))
        {
            return NameResolution.Fail(ResolutionStatus.Rejected, name, records.Source, new ProtocolError("resolution.bad_signature", "The profile is not signed by the name's address."), records.Address, records.Text);
        }

        var deliveryServices = new List<ResolvedDeliveryService>();
        foreach (var dsName in profile.Profile.DeliveryServices.Take(_options.MaxDeliveryServices))
        {
            var ds = await ResolveDeliveryServiceAsync(dsName, cancellationToken).ConfigureAwait(false);
            deliveryServices.Add(new ResolvedDeliveryService(ds.Name ?? dsName, ds.Profile, ds.Error));
        }

        return new NameResolution(ResolutionStatus.Resolved, name, records.Address, profile, records.Source, deliveryServices, null, records.Text);
    }

    /// <summary>Reads one text record of any name (uncached; for tools such as <c>dm3 resolve --record</c>).</summary>
    public async Task<TextRecordResolution> ReadTextRecordAsync(string? name, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!EnsNormalization.TryNormalize(name, out var normalized, out var error))
        {
            return new TextRecordResolution(ResolutionStatus.InvalidName, null, null, error);
        }

        var budget = new ResolutionBudget(_options.MaxRequestsPerResolution);
        if (_hosted?.Classify(normalized) is { } hosted)
        {
            var stored = (await _hosted.ReadAsync(hosted, cancellationToken).ConfigureAwait(false)).Records;
            var value = key switch
            {
                ProfileTextRecord.ProfileKey => stored.ProfileRecord,
                ProfileTextRecord.DeliveryServiceKey => stored.DeliveryServiceRecord,
                Ccip.CcipGateway.LinkKey => stored.LinkRecord,
                _ => null,
            };
            return new TextRecordResolution(ResolutionStatus.Resolved, normalized, value ?? "", null);
        }

        var records = await ReadRecordsAsync(normalized, key, wantAddress: false, budget, cancellationToken).ConfigureAwait(false);
        return new TextRecordResolution(records.Error is null ? ResolutionStatus.Resolved : records.Status, normalized, records.Text, records.Error);
    }

    private async Task<DeliveryServiceResolution> ResolveDeliveryServiceUncachedAsync(string name, ResolutionBudget budget, CancellationToken cancellationToken)
    {
        var records = await ReadRecordsAsync(name, ProfileTextRecord.DeliveryServiceKey, wantAddress: false, budget, cancellationToken).ConfigureAwait(false);
        if (records.Error is not null)
        {
            return new DeliveryServiceResolution(records.Status, name, null, records.Error);
        }

        if (string.IsNullOrEmpty(records.Text))
        {
            return new DeliveryServiceResolution(ResolutionStatus.NotFound, name, null, new ProtocolError("resolution.no_delivery_service", "The name has no network.dm3.deliveryService record."));
        }

        var json = await LoadRecordJsonAsync(records.Text, budget, cancellationToken).ConfigureAwait(false);
        if (json.Error is not null)
        {
            return new DeliveryServiceResolution(json.Status, name, null, json.Error);
        }

        return DeliveryServiceProfile.TryParse(json.Json, out var profile, out var error)
            ? new DeliveryServiceResolution(ResolutionStatus.Resolved, name, profile, null)
            : new DeliveryServiceResolution(ResolutionStatus.Rejected, name, null, error);
    }

    private async Task<RecordsRead> ReadRecordsAsync(string name, string textKey, bool wantAddress, ResolutionBudget budget, CancellationToken cancellationToken)
    {
        if (_hosted?.Classify(name) is { } hosted)
        {
            var stored = (await _hosted.ReadAsync(hosted, cancellationToken).ConfigureAwait(false)).Records;
            var text = textKey == ProfileTextRecord.ProfileKey ? stored.ProfileRecord : stored.DeliveryServiceRecord;
            return new RecordsRead("hosted", stored.Address, text, ResolutionStatus.Resolved, null);
        }

        if (_ens is null)
        {
            return RecordsRead.Fail("ens", ResolutionStatus.Failed, "resolution.no_rpc", "The name is not hosted here and no Ethereum JSON-RPC endpoint is configured.");
        }

        var (resolver, findError) = await _ens.FindResolverAsync(name, cancellationToken).ConfigureAwait(false);
        if (resolver is null)
        {
            return new RecordsRead("ens", null, null, findError!.Code == "ens.no_resolver" ? ResolutionStatus.NotFound : ResolutionStatus.Failed, findError);
        }

        var node = EnsNames.Namehash(name);
        var textRead = await _ens.ReadAsync(resolver, name, CcipCalls.Text(node, textKey), budget, cancellationToken).ConfigureAwait(false);
        if (!textRead.Ok)
        {
            return new RecordsRead("ens", null, null, StatusOf(textRead.Error), textRead.Error);
        }

        if (!Ensip10.TryDecodeString(textRead.Data, out var value, out var textError))
        {
            return new RecordsRead("ens", null, null, ResolutionStatus.Rejected, textError);
        }

        byte[]? address = null;
        if (wantAddress && value.Length > 0)
        {
            var addrRead = await _ens.ReadAsync(resolver, name, CcipCalls.Addr(node), budget, cancellationToken).ConfigureAwait(false);
            if (!addrRead.Ok)
            {
                return new RecordsRead("ens", null, value, StatusOf(addrRead.Error), addrRead.Error);
            }

            address = addrRead.Data.Length == 0 ? null : Ensip10.TryDecodeAddress(addrRead.Data, out var a, out var addrError)
                ? a
                : null;
        }

        return new RecordsRead("ens", address, value, ResolutionStatus.Resolved, null);
    }

    /// <summary>The JSON of a record value in any of the three W§3.3 forms, integrity checked.</summary>
    private async Task<JsonRead> LoadRecordJsonAsync(string value, ResolutionBudget budget, CancellationToken cancellationToken)
    {
        if (!ProfileTextRecord.TryParse(value, out var record, out var error))
        {
            return new JsonRead(null, ResolutionStatus.Rejected, error);
        }

        switch (record.Kind)
        {
            case ProfileRecordKind.InlineJson:
                return new JsonRead(record.Json, ResolutionStatus.Resolved, null);
            case ProfileRecordKind.HashedUrl:
            {
                var fetched = await FetchAsync(new Uri(record.Url!), OutboundOrigin.ChainData, budget, cancellationToken).ConfigureAwait(false);
                if (fetched.Error is not null)
                {
                    return fetched;
                }

                return ProfileTextRecord.TryCheckHashedUrl(record.Url, fetched.Json, out var canonical, out var hashError)
                    ? new JsonRead(canonical, ResolutionStatus.Resolved, null)
                    : new JsonRead(null, ResolutionStatus.Rejected, hashError);
            }

            default:
            {
                // ipfs://<cid>[/path] through the operator's gateway (the gateway host is configuration, the path chain data).
                var path = record.Url!["ipfs://".Length..].TrimStart('/');
                if (!Uri.TryCreate(_options.IpfsGateway.TrimEnd('/') + "/" + path, UriKind.Absolute, out var url))
                {
                    return new JsonRead(null, ResolutionStatus.Rejected, new ProtocolError("record.bad_ipfs", "The ipfs:// record does not form a gateway URL."));
                }

                return await FetchAsync(url, OutboundOrigin.Operator, budget, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<JsonRead> FetchAsync(Uri url, OutboundOrigin origin, ResolutionBudget budget, CancellationToken cancellationToken)
    {
        if (!budget.TryTake())
        {
            return new JsonRead(null, ResolutionStatus.Failed, new ProtocolError("resolution.request_budget", "The resolution needed more outbound requests than allowed."));
        }

        var response = await _http.SendAsync(new OutboundRequest(url, null, origin), cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            OutboundStatus.Refused => new JsonRead(null, ResolutionStatus.Rejected, new ProtocolError("record.fetch_refused", "The record URL was refused by the outbound policy: " + response.Reason)),
            OutboundStatus.Failed => new JsonRead(null, ResolutionStatus.Failed, new ProtocolError("record.fetch_failed", "The record URL could not be fetched: " + response.Reason)),
            _ when response.StatusCode is < 200 or >= 300 => new JsonRead(null, response.StatusCode >= 500 ? ResolutionStatus.Failed : ResolutionStatus.Rejected, new ProtocolError("record.fetch_status", $"The record URL answered {response.StatusCode}.")),
            _ => DecodeUtf8(response.Body),
        };
    }

    private static JsonRead DecodeUtf8(byte[] body)
    {
        try
        {
            return new JsonRead(new UTF8Encoding(false, true).GetString(body), ResolutionStatus.Resolved, null);
        }
        catch (DecoderFallbackException)
        {
            return new JsonRead(null, ResolutionStatus.Rejected, new ProtocolError("record.bad_utf8", "The fetched record is not UTF-8 text."));
        }
    }

    private static ResolutionStatus StatusOf(ProtocolError error) => error.Code switch
    {
        "ccip.gateway_rejected" or "ccip.sender_mismatch" or "ccip.bad_lookup" or "ens.reverted" or "ens.bad_resolver_answer" or "ccip.gateway_refused" => ResolutionStatus.Rejected,
        _ => ResolutionStatus.Failed,
    };

    private sealed record RecordsRead(string Source, byte[]? Address, string? Text, ResolutionStatus Status, ProtocolError? Error)
    {
        public static RecordsRead Fail(string source, ResolutionStatus status, string code, string message) => new(source, null, null, status, new ProtocolError(code, message));
    }

    private sealed record JsonRead(string? Json, ResolutionStatus Status, ProtocolError? Error);
}
