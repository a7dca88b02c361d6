using System.Text.Json.Nodes;
using Dm3.Backend.Apps;
using Dm3.Backend.Names;
using Dm3.Backend.Storage;
using Dm3.Protocol.Json;
using Dm3.Protocol.Profiles;

namespace Dm3.Backend.Delivery;

/// <summary>A name hosted here that resolves: its lower-case address and the profile it currently resolves to.</summary>
public sealed record ResolvedName(string Name, string Address, SignedUserProfile Profile, string ProfileJson);

/// <summary>A delivery-service account (wire formats §10.2), keyed by address: opened when the name is claimed (<see cref="OpenAccountHandler"/>).</summary>
public sealed record DeliveryAccount(string Address, string ProfileExtensionJson, DateTimeOffset CreatedAt);

/// <summary>
/// Names and accounts as the delivery service sees them. The DS serves names hosted here only (decisions §8): a name's
/// profile and address come from the resolver's <see cref="NameStore"/> (one point read). Accounts live in the
/// <c>Accounts</c> table: PK = lower-case address, RK = "" (every name of an address shares one account and one inbox).
/// </summary>
public sealed class DeliveryDirectory(AppCatalog apps, NameStore names, DeliveryStorage storage, TimeProvider time)
{
    /// <summary>
    /// How long the hot path (submit, deliver) may reuse a name's resolution. Writes through the resolver are therefore
    /// seen by the pipeline within this time (the gateway's own staleness bound is the signature lifetime, decisions §14).
    /// Only successful resolutions and existing accounts are cached: a new registration is visible at once.
    /// <c>POST /profile</c> and the challenge flow always read storage.
    /// </summary>
    public static readonly TimeSpan HotPathCacheLifetime = TimeSpan.FromSeconds(10);

    private const int MaxCacheEntries = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ResolvedName Name, DateTimeOffset Until)> _names = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _accounts = new(StringComparer.Ordinal);

    /// <summary>The reference default profile extension (sic: NEW is listed as not supported).</summary>
    public const string DefaultProfileExtensionJson = "{\"notSupportedMessageTypes\":[\"NEW\"]}";

    private const string ExtensionColumn = OpenAccountHandler.ExtensionColumn;
    private const string CreatedAtColumn = OpenAccountHandler.CreatedAtColumn;

    /// <summary>
    /// nameprep for the names we accept (ASCII only, decisions §18): A–Z lower-cased, nothing else touched. A name with
    /// any non-ASCII character is returned unchanged so validation rejects it (culture-aware lower-casing would turn
    /// U+212A KELVIN SIGN into 'k' and U+0130 into 'i', aliasing other spellings onto our names).
    /// </summary>
    public static string Normalize(string? name)
    {
        name ??= "";
        if (name.AsSpan().ContainsAnyExceptInRange('\0', '\x7f') || !name.AsSpan().ContainsAnyInRange('A', 'Z'))
        {
            return name;
        }

        return string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c;
            }
        });
    }

    /// <summary>
    /// Classifies and resolves a name: <see cref="DeliveryErrorKind.InvalidParams"/> for a malformed name,
    /// <see cref="DeliveryErrorKind.UnknownReceiver"/> for a name this deployment does not host (or the DS's own name),
    /// <see cref="DeliveryErrorKind.NameNotResolved"/> for a hosted name without a record.
    /// </summary>
    public async Task<DeliveryResult<ResolvedName>> ResolveAsync(string? rawName, CancellationToken cancellationToken)
    {
        var hosted = Classify(rawName);
        if (!hosted.IsOk)
        {
            return hosted.Error!;
        }

        var name = hosted.Value!;
        var record = await names.GetAsync(name.Name, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return new DeliveryError(DeliveryErrorKind.NameNotResolved, "name.not_resolved", "The name does not resolve: no profile is registered for it.");
        }

        // The resolver verified the profile when it stored it; a stored profile that no longer parses is a bug.
        var profile = SignedUserProfile.Parse(record.ProfileJson);
        return new ResolvedName(name.Name, name.Address!, profile, record.ProfileJson);
    }

    /// <summary><see cref="ResolveAsync"/> that may answer from a short-lived cache (<see cref="HotPathCacheLifetime"/>).</summary>
    public async Task<DeliveryResult<ResolvedName>> ResolveCachedAsync(string? rawName, CancellationToken cancellationToken)
    {
        var key = Normalize(rawName);
        var now = time.GetUtcNow();
        if (_names.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.Name;
        }

        var resolved = await ResolveAsync(rawName, cancellationToken).ConfigureAwait(false);
        if (resolved.IsOk)
        {
            Remember(_names, key, (resolved.Value!, now + HotPathCacheLifetime));
        }

        return resolved;
    }

    /// <summary>True when the address has an account (positive answers cached for <see cref="HotPathCacheLifetime"/>).</summary>
    public async Task<bool> HasAccountCachedAsync(string address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_accounts.TryGetValue(address, out var until) && until > now)
        {
            return true;
        }

        if (await GetAccountAsync(address, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        Remember(_accounts, address, now + HotPathCacheLifetime);
        return true;
    }

    private static void Remember<T>(System.Collections.Concurrent.ConcurrentDictionary<string, T> cache, string key, T value)
    {
        if (cache.Count >= MaxCacheEntries)
        {
            cache.Clear();
        }

        cache[key] = value;
    }

    /// <summary>
    /// True for a name under (or equal to) a parent served here that is not an address name issued here: the DS's own
    /// name, the parent itself, <c>addr.&lt;P&gt;</c>, <c>foo.&lt;P&gt;</c>… Such a name can never be a hosted sender.
    /// </summary>
    public bool IsOwnButNotIssued(string? rawName)
    {
        if (apps.TryClassify(Normalize(rawName), out var hosted, out var error))
        {
            return hosted.Kind != HostedNameKind.Address || hosted.Address is null;
        }

        return string.Equals(error.Code, "name.not_issued", StringComparison.Ordinal);
    }

    /// <summary>Classifies without reading storage: an address name of a configured app, with its lower-case address.</summary>
    public DeliveryResult<HostedName> Classify(string? rawName)
    {
        var normalized = Normalize(rawName);
        if (!apps.TryClassify(normalized, out var hosted, out var error))
        {
            return error.Code.StartsWith("name.", StringComparison.Ordinal)
                ? new DeliveryError(DeliveryErrorKind.UnknownReceiver, "name.not_hosted",
                    "This delivery service serves only names hosted by this deployment (<address>.addr.<parent>). " + error.Message)
                : DeliveryError.From(DeliveryErrorKind.InvalidParams, error);
        }

        if (hosted.Kind != HostedNameKind.Address || hosted.Address is null)
        {
            return new DeliveryError(DeliveryErrorKind.UnknownReceiver, "name.delivery_service", "The delivery service's own name has no account or inbox.");
        }

        return hosted;
    }

    public async Task<DeliveryAccount?> GetAccountAsync(string address, CancellationToken cancellationToken)
    {
        var store = await storage.Accounts.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var entity = await store.GetAsync(storage.Accounts.Name, address, "", cancellationToken).ConfigureAwait(false);
        return entity is null
            ? null
            : new DeliveryAccount(address, entity.GetString(ExtensionColumn) ?? DefaultProfileExtensionJson, entity.GetDateTime(CreatedAtColumn) ?? DateTimeOffset.UnixEpoch);
    }

    /// <summary>The canonical JSON of a stored profile extension (re-canonicalised defensively).</summary>
    internal static string CanonicalExtension(string json) =>
        CanonicalJson.TryParse(json, out var node, out _) && node is JsonObject ? CanonicalJson.Serialize(node) : DefaultProfileExtensionJson;
}
