using System.Text.Json;
using System.Text.RegularExpressions;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests.CrossChecks;

/// <summary>Spellings of setting names: app-setting form <c>A__B__0</c>, configuration key <c>A:B:0</c>, pattern <c>A__B__N</c>.</summary>
internal static partial class SettingNames
{
    public static string ToKey(string setting) => setting.Replace("__", ":", StringComparison.Ordinal);

    public static string FromKey(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>Replaces list indexes by <c>N</c>: <c>Apps__0__Domains__1__Host</c> → <c>Apps__N__Domains__N__Host</c>.</summary>
    public static string Pattern(string setting) => IndexSegment().Replace(setting, "__N");

    /// <summary>
    /// Drops configuration sections: the binder also asks for the value of every section it descends into
    /// (<c>Apps</c>, <c>Apps__0</c>, <c>Gateway__Resolvers</c>); a name that is a prefix of another one read is a section.
    /// </summary>
    public static SortedSet<string> Leaves(IEnumerable<string> names)
    {
        var all = names.ToHashSet(StringComparer.Ordinal);
        return new SortedSet<string>(
            all.Where(n => !all.Any(other => other.StartsWith(n + "__", StringComparison.Ordinal))),
            StringComparer.Ordinal);
    }

    /// <summary>The <c>Values</c> of local.settings.sample.json, in file order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> LoadSample()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")));
        return json.RootElement.GetProperty("Values").EnumerateObject()
            .Select(p => KeyValuePair.Create(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText()))
            .ToList();
    }

    [GeneratedRegex(@"__\d+(?=__|$)")]
    private static partial Regex IndexSegment();
}
