using Dm3.App.Diagnostics;
using Dm3.App.Functions;
using Dm3.App.Health;

namespace Dm3.App.Composition;

/// <summary>The app's features. Feature helpers: add one line each.</summary>
public static class Features
{
    public static IReadOnlyList<IAppFeature> All { get; } =
    [
        new RuntimeFeature(),
        new DiagnosticsFeature(),
        new Dm3.App.Profiles.ResolverFeature(),
        new Dm3.App.Ccip.GatewayFeature(),
        new Dm3.App.Resolution.ResolutionFeature(),
        new Dm3.App.Delivery.DeliveryFeature(),
        new Dm3.App.Lsp.LspFeature(),
        new Dm3.App.Relay.RelayFeature(),
    ];

    /// <summary>The catalog described by every feature (pure; used by the program and by `functions-json`).</summary>
    public static FunctionCatalog BuildCatalog(IEnumerable<IAppFeature>? features = null)
    {
        var catalog = new FunctionCatalog();
        foreach (var feature in features ?? All)
        {
            feature.Describe(catalog);
        }
        return catalog;
    }
}
