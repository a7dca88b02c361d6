using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;

namespace Dm3.Infra.Tests.CrossChecks;

/// <summary>
/// An in-memory configuration source that records every key the program asks for. Every read of the program ends
/// in <see cref="IConfigurationProvider.TryGet"/>: <c>SettingsReader</c> (<c>configuration["A:B"]</c>),
/// <c>configuration[...]</c> in the features, and the options binder (<c>GetSection(…).Get&lt;T&gt;()</c>, which asks
/// for every property of the bound type and every element present). So no hook in the program is needed.
/// </summary>
internal sealed class RecordingConfigurationSource(IReadOnlyDictionary<string, string?> appSettings) : IConfigurationSource
{
    public RecordingConfigurationProvider Provider { get; } = new(appSettings);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
}

internal sealed class RecordingConfigurationProvider : ConfigurationProvider
{
    private readonly ConcurrentDictionary<string, bool> _requested = new(StringComparer.Ordinal);

    /// <param name="appSettings">Settings in app-setting form (<c>A__B</c>), as Azure and local.settings.json hold them.</param>
    public RecordingConfigurationProvider(IReadOnlyDictionary<string, string?> appSettings)
    {
        foreach (var (name, value) in appSettings)
        {
            Data[SettingNames.ToKey(name)] = value;
        }
    }

    /// <summary>Every key asked for, in the program's spelling, as app-setting names (<c>A__B</c>).</summary>
    public IReadOnlyCollection<string> Requested => _requested.Keys.Select(SettingNames.FromKey).ToList();

    public override bool TryGet(string key, out string? value)
    {
        _requested.TryAdd(key, true);
        return base.TryGet(key, out value);
    }
}
