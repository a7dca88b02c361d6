using Dm3.App.Configuration;

namespace Dm3.App.Composition;

/// <summary>
/// Validates every setting once the host is built (test hosts add their configuration during Build): the runtime
/// settings, each feature's, and the signer's. Both hosts call it before serving; a bad setting throws
/// <see cref="SettingsException"/> naming it.
/// </summary>
public static class StartupValidation
{
    public static RuntimeSettings Validate(IServiceProvider services)
    {
        var settings = services.GetRequiredService<RuntimeSettings>();
        var keys = services.GetRequiredService<KeyMaterial>();
        var reader = services.GetRequiredService<SettingsReader>();
        foreach (var feature in services.GetRequiredService<IReadOnlyList<IAppFeature>>())
        {
            feature.ValidateSettings(reader, settings);
        }
        SignerComposition.Validate(settings, keys, reader);
        return settings;
    }
}
