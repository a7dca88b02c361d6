namespace Dm3.Backend.Apps;

/// <summary>
/// The apps a deployment serves, bound from configuration (<c>Apps__0__ParentName=myapp.eth</c>, ...).
/// Validated once at start-up by <see cref="AppCatalog.TryCreate"/>; a later issue may load apps from a Table.
/// </summary>
public sealed class AppCatalogOptions
{
    public List<AppOptions> Apps { get; set; } = [];
}

/// <summary>One app (linked-profiles §1 "App registration").</summary>
public sealed class AppOptions
{
    /// <summary>The app parent ENS name <c>P</c>, e.g. <c>myapp.eth</c>.</summary>
    public string ParentName { get; set; } = "";

    /// <summary>The name of the delivery service's own profile; default <c>ds.&lt;P&gt;</c>. Must lie under <c>P</c>.</summary>
    public string? DeliveryServiceName { get; set; }

    /// <summary>The delivery-service names the app's profiles use; default <c>[DeliveryServiceName]</c>.</summary>
    public List<string> DeliveryServiceNames { get; set; } = [];

    /// <summary>EIP-4361 chain ids accepted for this app; default <c>[1]</c>.</summary>
    public List<long> ChainIds { get; set; } = [];

    /// <summary>EIP-4361 domains accepted for this app, each with its URI prefixes and scopes.</summary>
    public List<AppDomainOptions> Domains { get; set; } = [];

    /// <summary>Browser origins allowed by the linked-profile API's CORS policy.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Gateway signature lifetime for names under this parent; default: <c>Gateway:SignatureTtlSeconds</c>.</summary>
    public int? SignatureTtlSeconds { get; set; }

    /// <summary>Rate limits of the linked-profile API for this app (linked-profiles §11).</summary>
    public Lsp.LspLimitOptions LspLimits { get; set; } = new();
}

/// <summary>One EIP-4361 domain (RFC 3986 authority) of an app.</summary>
public sealed class AppDomainOptions
{
    /// <summary>The authority exactly as it appears in EIP-4361 messages, e.g. <c>app.example.com</c> or <c>localhost:3000</c>.</summary>
    public string Host { get; set; } = "";

    /// <summary>Allowed prefixes of the message's <c>URI</c>; default <c>["https://&lt;Host&gt;/"]</c>.</summary>
    public List<string> UriPrefixes { get; set; } = [];

    /// <summary>Scopes this domain may obtain: <c>query</c>, <c>register</c>, <c>escrow</c>, <c>delete</c>.</summary>
    public List<string> Scopes { get; set; } = [];
}
