using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Resolution;

/// <summary>The records of a name this deployment hosts, as the gateway serves them (W§12.4).</summary>
public sealed record HostedNameRecords(byte[]? Address, string? ProfileRecord, string? LinkRecord, string? DeliveryServiceRecord)
{
    public static readonly HostedNameRecords None = new(null, null, null, null);
}

/// <summary>Hosted records and when they were read from storage (a signed answer built from them expires relative to that).</summary>
public sealed record HostedRead(HostedNameRecords Records, DateTimeOffset ReadAt);

/// <summary>
/// Hosted names straight from storage, through one in-process record cache shared by the resolver and the CCIP gateway:
/// address names from the Names table (one point read per name per cache lifetime), the DS name from configuration.
/// Staleness stays within the signature lifetime (decisions §14): an entry lives for the signature TTL minus twice the
/// gateway's 60 s margin, and a gateway answer built from it expires at read time + TTL, never later. A write through
/// <see cref="NameStore"/> on this instance drops the name at once (<see cref="NameStore.Changed"/>).
/// </summary>
public sealed class HostedRecordSource
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(120);

    private readonly AppCatalog _apps;
    private readonly NameStore _names;
    private readonly TimeProvider _time;
    private readonly TimeSpan _defaultTtl;
    private readonly string? _deliveryServiceRecord;
    private readonly ResolutionCache<HostedRead> _cache;

    /// <param name="defaultSignatureTtl">The gateway's signature lifetime for apps that set none.</param>
    public HostedRecordSource(AppCatalog apps, NameStore names, DeliveryServiceOptions deliveryService, TimeProvider time, TimeSpan defaultSignatureTtl, int maxEntries = 100_000)
    {
        ArgumentNullException.ThrowIfNull(apps);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(deliveryService);
        ArgumentNullException.ThrowIfNull(time);
        _apps = apps;
        _names = names;
        _time = time;
        _defaultTtl = defaultSignatureTtl;
        _deliveryServiceRecord = deliveryService.ToProfile()?.ToTextRecordValue();
        _cache = new ResolutionCache<HostedRead>(time, maxEntries);
        names.Changed += _cache.Invalidate;
    }

    /// <summary>Cached hosted names (diagnostics and tests).</summary>
    public int CachedNames => _cache.Count;

    /// <summary>The hosted classification of <paramref name="name"/>, or null when this deployment does not issue it.</summary>
    public HostedName? Classify(string name) => _apps.TryClassify(name, out var hosted, out _) ? hosted : null;

    /// <summary>The signature lifetime of answers about <paramref name="hosted"/>.</summary>
    public TimeSpan SignatureTtl(HostedName hosted)
    {
        ArgumentNullException.ThrowIfNull(hosted);
        return hosted.App.SignatureTtl ?? _defaultTtl;
    }

    /// <summary>The records of a hosted name (<see cref="HostedNameRecords.None"/> when nothing is stored).</summary>
    public async ValueTask<HostedRead> ReadAsync(HostedName hosted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosted);
        if (hosted.Kind == HostedNameKind.DeliveryService)
        {
            return new HostedRead(new HostedNameRecords(null, null, null, _deliveryServiceRecord), _time.GetUtcNow());
        }

        var life = SignatureTtl(hosted) - Margin;
        return await _cache.GetOrAddAsync(hosted.Name, ct => ReadStoredAsync(hosted.Name, ct), _ => life, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HostedRead> ReadStoredAsync(string name, CancellationToken cancellationToken)
    {
        var readAt = _time.GetUtcNow();
        var record = await _names.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (record is null || !Hex.TryDecode(record.Address, out var address) || address.Length != 20)
        {
            return new HostedRead(HostedNameRecords.None, readAt);
        }

        return new HostedRead(new HostedNameRecords(address, ProfileTextRecord.Encode(record.ProfileJson), record.Link, null), readAt);
    }
}
