using System.Globalization;
using Dm3.Protocol.Encoding;
using Microsoft.Extensions.Configuration;

namespace Dm3.App.Configuration;

/// <summary>
/// Typed, validating access to app settings. Names are given in app-setting form (<c>Section__Key</c>, as in
/// Azure app settings and local.settings.json); every failure throws a <see cref="SettingsException"/> whose
/// message is one line naming the setting. Features use it to read their own settings.
/// </summary>
public sealed class SettingsReader(IConfiguration configuration)
{
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>The raw value (trimmed), or null when absent or blank.</summary>
    public string? Raw(string setting)
    {
        var value = Configuration[ToKey(setting)];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public bool IsSet(string setting) => Raw(setting) is not null;

    public string RequiredString(string setting) => Raw(setting) ?? throw new SettingsException(setting, "is required but not set.");

    public string String(string setting, string defaultValue) => Raw(setting) ?? defaultValue;

    public string? OptionalString(string setting) => Raw(setting);

    public int Int(string setting, int defaultValue, int min, int max)
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return defaultValue;
        }
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new SettingsException(setting, $"must be an integer from {min} to {max} (got '{Shorten(raw)}').");
        }
        return value;
    }

    public long Long(string setting, long defaultValue, long min, long max)
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return defaultValue;
        }
        if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new SettingsException(setting, $"must be an integer from {min} to {max} (got '{Shorten(raw)}').");
        }
        return value;
    }

    public bool Bool(string setting, bool defaultValue)
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return defaultValue;
        }
        return bool.TryParse(raw, out var value) ? value : throw new SettingsException(setting, $"must be true or false (got '{Shorten(raw)}').");
    }

    /// <summary>A duration in <c>hh:mm:ss</c> (or <c>d.hh:mm:ss</c>, fractions allowed) form.</summary>
    public TimeSpan Duration(string setting, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return defaultValue;
        }
        if (!TimeSpan.TryParseExact(raw, ["c", "g"], CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new SettingsException(setting, $"must be a duration hh:mm:ss from {min:c} to {max:c} (got '{Shorten(raw)}').");
        }
        return value;
    }

    public Uri? OptionalAbsoluteUri(string setting)
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return null;
        }
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new SettingsException(setting, $"must be an absolute http(s) URI (got '{Shorten(raw)}').");
        }
        return uri;
    }

    public TEnum Enum<TEnum>(string setting, TEnum defaultValue, params (string Text, TEnum Value)[] choices)
        where TEnum : struct
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return defaultValue;
        }
        foreach (var (text, value) in choices)
        {
            if (string.Equals(text, raw, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        throw new SettingsException(setting, $"must be one of {string.Join(", ", choices.Select(c => c.Text))} (got '{Shorten(raw)}').");
    }

    /// <summary>Hex bytes ("0x" optional) of an exact length. The value is never echoed (it may be a secret).</summary>
    public byte[]? OptionalHexKey(string setting, int length)
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return null;
        }
        if (!Hex.TryDecode(raw, out var bytes, requirePrefix: false) || bytes.Length != length)
        {
            throw new SettingsException(setting, $"must be {length} bytes of hex (the value is not shown).");
        }
        return bytes;
    }

    /// <summary>Standard base64 of one of the allowed lengths. The value is never echoed (it may be a secret).</summary>
    public byte[]? OptionalBase64Key(string setting, params int[] allowedLengths)
    {
        var raw = Raw(setting);
        if (raw is null)
        {
            return null;
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(raw);
        }
        catch (FormatException)
        {
            throw new SettingsException(setting, "must be standard base64 (the value is not shown).");
        }
        if (!allowedLengths.Contains(bytes.Length))
        {
            throw new SettingsException(setting, $"must decode to {string.Join(" or ", allowedLengths)} bytes (got {bytes.Length}; the value is not shown).");
        }
        return bytes;
    }

    /// <summary>App-setting form (<c>A__B</c>) to configuration key (<c>A:B</c>).</summary>
    public static string ToKey(string setting) => setting.Replace("__", ":", StringComparison.Ordinal);

    private static string Shorten(string raw) => raw.Length <= 60 ? raw : raw[..60] + "…";
}
