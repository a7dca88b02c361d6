namespace Dm3.Infra.Tests.Support;

/// <summary>
/// Reads the block-mapping subset of YAML that azure.yaml uses (no YAML library is available here):
/// <c>key: value</c> lines nested by indentation, with comments. Values are returned by dotted path
/// (<c>services.api.host</c>); quotes around scalars are removed.
/// </summary>
internal static class SimpleYaml
{
    public static IReadOnlyDictionary<string, string> ReadScalars(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = new List<(int Indent, string Key)>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = StripComment(rawLine).TrimEnd();
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('-'))
            {
                continue;
            }
            var indent = line.Length - line.TrimStart().Length;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var key = line[indent..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            while (path.Count > 0 && path[^1].Indent >= indent)
            {
                path.RemoveAt(path.Count - 1);
            }
            var fullKey = string.Join('.', path.Select(p => p.Key).Append(key));
            if (value.Length == 0)
            {
                path.Add((indent, key));
            }
            else
            {
                result[fullKey] = Unquote(value);
            }
        }
        return result;
    }

    private static string StripComment(string line)
    {
        var inSingle = false;
        var inDouble = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'' && !inDouble)
            {
                inSingle = !inSingle;
            }
            else if (c == '"' && !inSingle)
            {
                inDouble = !inDouble;
            }
            else if (c == '#' && !inSingle && !inDouble && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }
        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'')
            ? value[1..^1]
            : value;
}
