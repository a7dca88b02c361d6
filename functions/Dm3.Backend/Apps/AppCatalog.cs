using System.Diagnostics.CodeAnalysis;
using Dm3.Backend.Names;
using Dm3.Protocol;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Siwe;

namespace Dm3.Backend.Apps;

/// <summary>A validated app (see <see cref="AppOptions"/>).</summary>
public sealed record AppDefinition(
    string ParentName,
    string DeliveryServiceName,
    IReadOnlyList<string> DeliveryServiceNames,
    IReadOnlyList<long> ChainIds,
    IReadOnlyList<AppDomain> Domains,
    IReadOnlyList<string> AllowedOrigins,
    TimeSpan? SignatureTtl)
{
    /// <summary>Rate limits of the linked-profile API (linked-profiles §11).</summary>
    public Lsp.LspLimitOptions LspLimits { get; init; } = new();

    /// <summary><c>addr.&lt;P&gt;</c>: the parent of every address name of this app (the <c>subdomain</c> of a claim).</summary>
    public string AddressParent { get; } = "addr." + ParentName;

    /// <summary>The address name <c>&lt;address lower-case&gt;.addr.&lt;P&gt;</c>.</summary>
    public string AddressName(string lowerCaseAddress) => lowerCaseAddress + "." + AddressParent;

    public AppDomain? FindDomain(string host)
    {
        foreach (var domain in Domains)
        {
            if (string.Equals(domain.Host, host, StringComparison.Ordinal))
            {
                return domain;
            }
        }

        return null;
    }
}

/// <summary>An accepted EIP-4361 domain of an app with its URI prefixes and the scopes it may obtain.</summary>
public sealed record AppDomain(string Host, IReadOnlyList<string> UriPrefixes, IReadOnlySet<string> Scopes)
{
    /// <summary>
    /// Whether <paramref name="uri"/> lies under one of <see cref="UriPrefixes"/>, with the same segment-aware rule the
    /// proof check uses (<c>https://a.com</c> does not allow <c>https://a.com.evil/</c>).
    /// </summary>
    public bool AllowsUri(string uri) => UriPrefixes.Any(prefix => SiweVerifier.UriHasPrefix(uri, prefix));
}

/// <summary>
/// The apps this deployment serves and the names they issue: <c>&lt;address&gt;.addr.&lt;P&gt;</c> for profiles and
/// <c>ds.&lt;P&gt;</c> (or the configured DS name) for the delivery service's own profile. Immutable after start-up.
/// </summary>
public sealed class AppCatalog
{
    /// <summary>Scopes an app domain may be given (linked-profiles §5.2).</summary>
    public static readonly IReadOnlySet<string> KnownScopes = new HashSet<string>(StringComparer.Ordinal) { "query", "register", "escrow", "delete" };

    private readonly Dictionary<string, AppDefinition> _byParent;
    private readonly Dictionary<string, AppDefinition> _byDeliveryServiceName;

    private AppCatalog(IReadOnlyList<AppDefinition> apps)
    {
        Apps = apps;
        _byParent = apps.ToDictionary(a => a.ParentName, StringComparer.Ordinal);
        _byDeliveryServiceName = apps.ToDictionary(a => a.DeliveryServiceName, StringComparer.Ordinal);
    }

    public IReadOnlyList<AppDefinition> Apps { get; }

    /// <summary>Validates the configured apps. Errors name the offending setting.</summary>
    public static bool TryCreate(AppCatalogOptions options, [NotNullWhen(true)] out AppCatalog? catalog, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var apps = new List<AppDefinition>();
        for (var i = 0; i < options.Apps.Count; i++)
        {
            var app = ValidateApp(options.Apps[i], $"Apps:{i}", problems);
            if (app is not null)
            {
                apps.Add(app);
            }
        }

        var seenNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var app in apps)
        {
            if (!seenNames.Add(app.ParentName))
            {
                problems.Add($"Apps: the parent name '{app.ParentName}' is configured twice.");
            }

            if (!seenNames.Add(app.DeliveryServiceName))
            {
                problems.Add($"Apps: the delivery-service name '{app.DeliveryServiceName}' collides with another configured name.");
            }
        }

        errors = problems;
        catalog = problems.Count == 0 ? new AppCatalog(apps) : null;
        return catalog is not null;
    }

    /// <summary>Validates and throws <see cref="InvalidOperationException"/> listing every problem (start-up use).</summary>
    public static AppCatalog Create(AppCatalogOptions options) =>
        TryCreate(options, out var catalog, out var errors)
            ? catalog
            : throw new InvalidOperationException("Invalid app configuration: " + string.Join(" ", errors));

    public AppDefinition? FindByParent(string? parentName) =>
        parentName is not null && _byParent.TryGetValue(parentName, out var app) ? app : null;

    /// <summary>The app whose address parent is <paramref name="subdomain"/> (<c>addr.&lt;P&gt;</c>), if any.</summary>
    public AppDefinition? FindByAddressParent(string? subdomain)
    {
        if (subdomain is null || !subdomain.StartsWith("addr.", StringComparison.Ordinal))
        {
            return null;
        }

        return FindByParent(subdomain["addr.".Length..]);
    }

    /// <summary>
    /// Classifies a name: an address name or the DS name of a configured app, or an error value saying why the name
    /// is not one this deployment issues (<c>name.*</c> syntax codes, <c>name.outside_parents</c>, <c>name.not_issued</c>).
    /// </summary>
    public bool TryClassify(string? name, [NotNullWhen(true)] out HostedName? hosted, [NotNullWhen(false)] out ProtocolError? error)
    {
        hosted = null;
        if (name is null)
        {
            error = new ProtocolError("ens.name.missing", "The name is missing.");
            return false;
        }

        if (!EnsNameRules.TryValidateName(name, out error))
        {
            return false;
        }

        if (_byDeliveryServiceName.TryGetValue(name, out var dsApp))
        {
            hosted = new HostedName(name, HostedNameKind.DeliveryService, dsApp, null);
            return true;
        }

        // "<label>.addr.<P>": the parent is everything after the second dot.
        var firstDot = name.IndexOf('.', StringComparison.Ordinal);
        AppDefinition? app = null;
        if (firstDot > 0 && name.AsSpan(firstDot + 1).StartsWith("addr.", StringComparison.Ordinal))
        {
            app = FindByParent(name[(firstDot + 1 + "addr.".Length)..]);
        }

        if (app is not null)
        {
            var label = name.AsSpan(0, firstDot);
            if (EnsNameRules.IsAddressLabel(label))
            {
                hosted = new HostedName(name, HostedNameKind.Address, app, label.ToString());
                return true;
            }

            error = new ProtocolError("name.not_issued", $"Address names under {app.AddressParent} must be <0x + 40 lower-case hex>.{app.AddressParent}.");
            return false;
        }

        foreach (var candidate in Apps)
        {
            if (name.EndsWith("." + candidate.ParentName, StringComparison.Ordinal) || name == candidate.ParentName)
            {
                error = new ProtocolError("name.not_issued", $"Under {candidate.ParentName} this deployment issues only <address>.{candidate.AddressParent} and {candidate.DeliveryServiceName}.");
                return false;
            }
        }

        error = new ProtocolError("name.outside_parents", "The name is not under a parent name served by this deployment.");
        return false;
    }

    private static AppDefinition? ValidateApp(AppOptions o, string path, List<string> problems)
    {
        var before = problems.Count;
        var parent = o.ParentName?.Trim() ?? "";
        if (!EnsNameRules.TryValidateParentName(parent, out var parentError))
        {
            problems.Add($"{path}:ParentName '{parent}': {parentError.Message}");
        }
        else if (!parent.Contains('.', StringComparison.Ordinal))
        {
            problems.Add($"{path}:ParentName '{parent}' must have at least two labels.");
        }

        var dsName = string.IsNullOrWhiteSpace(o.DeliveryServiceName) ? "ds." + parent : o.DeliveryServiceName.Trim();
        if (!EnsNameRules.TryValidateName(dsName, out var dsError))
        {
            problems.Add($"{path}:DeliveryServiceName '{dsName}': {dsError.Message}");
        }
        else if (!dsName.EndsWith("." + parent, StringComparison.Ordinal) || dsName.EndsWith(".addr." + parent, StringComparison.Ordinal)
                 || dsName == "addr." + parent)
        {
            problems.Add($"{path}:DeliveryServiceName '{dsName}' must lie under {parent} and outside addr.{parent}.");
        }

        var dsNames = o.DeliveryServiceNames.Count == 0 ? [dsName] : o.DeliveryServiceNames.Select(n => n.Trim()).ToList();
        foreach (var n in dsNames)
        {
            if (!EnsNameRules.TryValidateName(n, out var e))
            {
                problems.Add($"{path}:DeliveryServiceNames '{n}': {e.Message}");
            }
        }

        var chainIds = o.ChainIds.Count == 0 ? [1L] : o.ChainIds.ToList();
        if (chainIds.Any(c => c <= 0))
        {
            problems.Add($"{path}:ChainIds must be positive.");
        }

        var domains = new List<AppDomain>();
        for (var d = 0; d < o.Domains.Count; d++)
        {
            var domain = o.Domains[d];
            var host = domain.Host?.Trim() ?? "";
            if (host.Length == 0 || host.Length > 253 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or '?' or '#'))
            {
                problems.Add($"{path}:Domains:{d}:Host '{host}' is not an RFC 3986 authority.");
                continue;
            }

            var prefixes = domain.UriPrefixes.Count == 0 ? ["https://" + host + "/"] : domain.UriPrefixes.ToList();
            var scopes = new HashSet<string>(domain.Scopes, StringComparer.Ordinal);
            foreach (var unknown in scopes.Where(s => !KnownScopes.Contains(s)))
            {
                problems.Add($"{path}:Domains:{d}:Scopes contains the unknown scope '{unknown}'.");
            }

            domains.Add(new AppDomain(host, prefixes, scopes));
        }

        TimeSpan? ttl = null;
        if (o.SignatureTtlSeconds is { } seconds)
        {
            if (seconds is < 61 or > 86_400)
            {
                problems.Add($"{path}:SignatureTtlSeconds must be between 61 and 86400.");
            }

            ttl = TimeSpan.FromSeconds(seconds);
        }

        problems.AddRange((o.LspLimits ?? new()).Validate(path));
        return problems.Count == before
            ? new AppDefinition(parent, dsName, dsNames, chainIds, domains, o.AllowedOrigins.ToList(), ttl) { LspLimits = o.LspLimits ?? new() }
            : null;
    }
}
