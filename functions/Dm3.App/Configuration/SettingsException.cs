namespace Dm3.App.Configuration;

/// <summary>A missing or malformed app setting. <see cref="Exception.Message"/> is one line naming the setting.</summary>
public sealed class SettingsException(string setting, string problem)
    : Exception($"Configuration error: setting '{setting}' {problem}")
{
    /// <summary>The setting in app-setting form (double underscore), e.g. <c>Queues__MaxDequeueCount</c>.</summary>
    public string Setting { get; } = setting;
}
