using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace Dm3.App.Configuration;

/// <summary>
/// Standalone mode reads <c>local.settings.json</c> (the Functions Core Tools format <c>{"IsEncrypted":false,"Values":{…}}</c>)
/// from the working directory, or from the path in env <c>DM3_LOCAL_SETTINGS</c>; environment variables override it (decisions §25).
/// </summary>
internal static class LocalSettings
{
    public const string PathVariable = "DM3_LOCAL_SETTINGS";

    /// <summary>Adds the file's Values below the unprefixed environment-variable source. Returns the file used, if any.</summary>
    public static string? AddTo(IConfigurationBuilder configuration, string contentRoot)
    {
        var path = Environment.GetEnvironmentVariable(PathVariable);
        path = string.IsNullOrWhiteSpace(path) ? Path.Combine(contentRoot, "local.settings.json") : Path.GetFullPath(path, contentRoot);
        if (!File.Exists(path))
        {
            return null;
        }
        var values = Parse(File.ReadAllText(path), path);
        var source = new MemoryConfigurationSource { InitialData = values };
        var sources = configuration.Sources;
        var envIndex = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                envIndex = i;
                break;
            }
        }
        if (envIndex < 0)
        {
            sources.Add(source);
        }
        else
        {
            sources.Insert(envIndex, source);
        }
        return path;
    }

    internal static Dictionary<string, string?> Parse(string json, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new SettingsException("local.settings.json", $"is not valid JSON ({path}: line {ex.LineNumber + 1}).");
        }
        using (doc)
        {
            var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
            {
                throw new SettingsException("local.settings.json", $"must be an object with a \"Values\" object ({path}).");
            }
            foreach (var property in values.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => throw new SettingsException(property.Name, $"in local.settings.json must be a string, number or boolean ({path})."),
                };
                result[SettingsReader.ToKey(property.Name)] = value;
            }
            return result;
        }
    }
}
