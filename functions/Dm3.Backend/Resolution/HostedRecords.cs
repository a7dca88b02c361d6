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

/// <summary>
/// Reads hosted names straight from storage: address names from the Names table (one point read), the DS name from
/// configuration (no read). Used by the resolver for hosted names and by the CCIP gateway.
/// </summary>
public sealed class HostedRecordSource
{
    private readonly AppCatalog _apps;
    private readonly NameStore _names;
    private readonly string? _deliveryServiceRecord;

    public HostedRecordSource(AppCatalog apps, NameStore names, DeliveryServiceOptions deliveryService)
    {
        ArgumentNullException.ThrowIfNull(apps);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(deliveryService);
        _apps = apps;
        _names = names;
        _deliveryServiceRecord = deliveryService.ToProfile()?.ToTextRecordValue();
    }

    /// <summary>The hosted classification of <paramref name="name"/>, or null when this deployment does not issue it.</summary>
    public HostedName? Classify(string name) => _apps.TryClassify(name, out var hosted, out _) ? hosted : null;

    /// <summary>The records of a hosted name (<see cref="HostedNameRecords.None"/> when nothing is stored).</summary>
    public async ValueTask<HostedNameRecords> ReadAsync(HostedName hosted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosted);
        if (hosted.Kind == HostedNameKind.DeliveryService)
        {
            return new HostedNameRecords(null, null, null, _deliveryServiceRecord);
        }

        var record = await _names.GetAsync(hosted.Name, cancellationToken).ConfigureAwait(false);
        if (record is null || !Hex.TryDecode(record.Address, out var address) || address.Length != 20)
        {
            return HostedNameRecords.None;
        }

        return new HostedNameRecords(address, ProfileTextRecord.Encode(record.ProfileJson), record.Link, null);
    }
}
