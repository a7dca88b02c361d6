namespace Dm3.Infra.Tests.Support;

/// <summary>
/// The top-level properties of a Bicep object literal (<c>{ key: value … }</c>), with values kept as source
/// text; nested objects are read on demand. Entries are separated by line breaks or commas outside brackets
/// and strings, and keys may be identifiers or quoted strings.
/// </summary>
internal sealed class BicepObject
{
    private BicepObject(IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        Properties = properties;
    }

    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; }

    public IEnumerable<string> Keys => Properties.Select(p => p.Key);

    /// <summary>The value text of a top-level key, or null when absent.</summary>
    public string? this[string key] =>
        Properties.Where(p => p.Key == key).Select(p => p.Value).FirstOrDefault();

    /// <summary>The nested object under <paramref name="key"/>, or null when absent or not an object.</summary>
    public BicepObject? Object(string key) => this[key] is { } value ? TryParse(value) : null;

    /// <summary>Follows a dotted path of keys (<c>properties.sku.name</c>) through nested objects.</summary>
    public string? Find(string dottedPath)
    {
        var parts = dottedPath.Split('.');
        var current = this;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = current.Object(parts[i]);
            if (current is null)
            {
                return null;
            }
        }
        return current[parts[^1]];
    }

    /// <summary>Reads the first object literal in <paramref name="text"/> (a resource body may start with <c>if (…)</c> or <c>[for …:</c>).</summary>
    public static BicepObject Parse(string text) =>
        TryParse(text) ?? throw new FormatException($"No object literal in: {Shorten(text)}");

    public static BicepObject? TryParse(string text)
    {
        var lexer = BicepLexer.Read(text);
        var code = lexer.Code;
        var spans = lexer.Strings.OrderBy(s => s.Offset).ToList();

        bool InString(int index, out int skipTo)
        {
            foreach (var s in spans)
            {
                if (index >= s.Offset && index < s.End)
                {
                    skipTo = s.End;
                    return true;
                }
            }
            skipTo = index;
            return false;
        }

        var open = -1;
        for (var i = 0; i < code.Length; i++)
        {
            if (InString(i, out var skip))
            {
                i = skip - 1;
                continue;
            }
            if (code[i] == '{')
            {
                open = i;
                break;
            }
        }
        if (open < 0)
        {
            return null;
        }

        var properties = new List<KeyValuePair<string, string>>();
        var depth = 0;
        var entryStart = open + 1;
        for (var i = open; i < code.Length; i++)
        {
            if (InString(i, out var skip))
            {
                i = skip - 1;
                continue;
            }
            var c = code[i];
            if (c is '{' or '[' or '(')
            {
                depth++;
                if (depth == 1)
                {
                    entryStart = i + 1;
                }
            }
            else if (c is '}' or ']' or ')')
            {
                depth--;
                if (depth == 0)
                {
                    AddEntry(code, entryStart, i, spans, properties);
                    return new BicepObject(properties);
                }
            }
            else if (depth == 1 && c is '\n' or ',')
            {
                AddEntry(code, entryStart, i, spans, properties);
                entryStart = i + 1;
            }
        }
        return null; // unbalanced
    }

    private static void AddEntry(string code, int start, int end, List<BicepStringLiteral> spans, List<KeyValuePair<string, string>> properties)
    {
        var entry = code[start..end];
        if (string.IsNullOrWhiteSpace(entry))
        {
            return;
        }
        // The key ends at the first ':' that is not inside a string.
        var colon = -1;
        for (var i = start; i < end; i++)
        {
            var inString = spans.FirstOrDefault(s => i >= s.Offset && i < s.End);
            if (inString is not null)
            {
                i = inString.End - 1;
                continue;
            }
            if (code[i] == ':')
            {
                colon = i;
                break;
            }
        }
        if (colon < 0)
        {
            return; // not a property (e.g. an array element)
        }
        var key = code[start..colon].Trim();
        if (key.Length >= 2 && key[0] == '\'' && key[^1] == '\'')
        {
            key = key[1..^1];
        }
        properties.Add(new(key, code[(colon + 1)..end].Trim()));
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
