using System.Text;
using System.Text.Json.Nodes;

namespace Dm3.Protocol.Tests.Fuzz;

/// <summary>
/// Structure-aware mutation of a valid JSON seed: for every member and element, swap the value for other types,
/// huge or odd numbers, lone surrogates, deep nesting, 1 MB strings; drop members, add unknown ones, duplicate keys.
/// Raw JSON that <see cref="JsonNode"/> cannot hold (1e400, "\ud800", duplicate keys) is spliced in through a
/// placeholder string.
/// </summary>
internal static class JsonMutator
{
    private const string Placeholder = "\u0001FUZZ\u0001";
    private const string PlaceholderLiteral = "\"\\u0001FUZZ\\u0001\"";

    /// <summary>Raw replacement values, each a complete JSON (or deliberately broken) value text.</summary>
    private static readonly string[] RawValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "-0", "1e308", "1e400", "-1e400", "123456789012345678901234567890", "1e-400", "9007199254740993",
        "\"\"", "\"x\"", "[]", "{}", "[null]", "{\"a\":1}", "\"\\ud800\"", "\"\\udc00x\"", "\"a\\u0000b\"", "\"\\u0000\"", "\" \"",
        "NaN", "Infinity", "undefined", "'x'", "01", ".5", "+1", "0x10", "\"\\x41\"", "\"\\u12\"", "\"unterminated", "\"tab\there\"",
    ];

    /// <summary>All mutations of <paramref name="seedJson"/>; the 1 MB / deep cases are generated for the first few nodes only.</summary>
    public static IEnumerable<FuzzCase<string>> Mutations(string name, string seedJson, Random rng)
    {
        var root = JsonNode.Parse(seedJson) ?? throw new ArgumentException("seed must not be null");
        var paths = new List<string[]>();
        Collect(root, [], paths);

        var heavyBudget = 1;
        foreach (var path in paths)
        {
            var label = path.Length == 0 ? "$" : "$." + string.Join('.', path);
            var isRoot = path.Length == 0;
            var current = Resolve(root, path);

            if (!isRoot)
            {
                foreach (var raw in RawValues)
                {
                    yield return new($"{name}/{label}:={TextMutator.Escape(raw)}", Replace(root, path, raw));
                }

                // Drop the member / element.
                yield return new($"{name}/{label}:removed", Remove(root, path));

                if (current is JsonValue v && v.TryGetValue<string>(out var s))
                {
                    foreach (var variant in StringVariants(s, rng))
                    {
                        yield return new($"{name}/{label}:string-{variant.Label}", Replace(root, path, variant.Raw));
                    }
                }

                if (heavyBudget > 0)
                {
                    heavyBudget--;
                    yield return new($"{name}/{label}:1MB-string", Replace(root, path, "\"" + new string('a', 1 << 20) + "\""));
                    yield return new($"{name}/{label}:nested-array-65", Replace(root, path, Nested(65, '[', ']')));
                    yield return new($"{name}/{label}:nested-object-100", Replace(root, path, NestedObjects(100)));
                    yield return new($"{name}/{label}:nested-array-10000", Replace(root, path, Nested(10_000, '[', ']')));
                }
            }

            if (current is JsonObject obj && obj.Count > 0)
            {
                var firstKey = obj.First().Key;
                yield return new($"{name}/{label}:unknown-member", AddMember(root, path, "\"fuzzUnknown\"", "1"));
                yield return new($"{name}/{label}:duplicate-key-same-value", AddMember(root, path, Quote(firstKey), obj[firstKey]?.ToJsonString() ?? "null"));
                yield return new($"{name}/{label}:duplicate-key-other-value", AddMember(root, path, Quote(firstKey), "\"dup\""));
                yield return new($"{name}/{label}:key-with-lone-surrogate", AddMember(root, path, "\"k\\ud800\"", "1"));
                yield return new($"{name}/{label}:key-case-changed", RenameKey(root, path, firstKey, firstKey.ToUpperInvariant() == firstKey ? firstKey.ToLowerInvariant() : firstKey.ToUpperInvariant()));
                yield return new($"{name}/{label}:key-with-trailing-space", RenameKey(root, path, firstKey, firstKey + " "));
                yield return new($"{name}/{label}:emptied", isRoot ? "{}" : Replace(root, path, "{}"));
            }
        }

        // Whole-document mutations.
        foreach (var depth in new[] { 65, 100, 1_000, 10_000 })
        {
            yield return new($"{name}/wrapped-in-{depth}-arrays", new string('[', depth) + seedJson + new string(']', depth));
        }

        yield return new($"{name}/wrapped-in-65-objects", WrapObjects(seedJson, 65));
        yield return new($"{name}/unbalanced-10000-open", new string('[', 10_000));
        yield return new($"{name}/unbalanced-10000-open-objects", TextMutator.Repeat("{\"a\":", 50_000));
        yield return new($"{name}/as-array", "[" + seedJson + "]");
        yield return new($"{name}/as-string", Quote(seedJson));
        yield return new($"{name}/trailing-comma", seedJson[..^1] + ",}");
        yield return new($"{name}/trailing-data", seedJson + "x");
        yield return new($"{name}/two-documents", seedJson + seedJson);
        yield return new($"{name}/comment", "/*c*/" + seedJson);
        yield return new($"{name}/line-comment", seedJson + "//c");
        yield return new($"{name}/single-quotes", seedJson.Replace('"', '\''));
        yield return new($"{name}/pretty-printed", root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        yield return new($"{name}/null", "null");
        yield return new($"{name}/number", "1");
        yield return new($"{name}/string", "\"x\"");
        yield return new($"{name}/array", "[]");
        yield return new($"{name}/object", "{}");
    }

    private static IEnumerable<(string Label, string Raw)> StringVariants(string s, Random rng)
    {
        yield return ("upper", Quote(s.ToUpperInvariant()));
        yield return ("padded", Quote(" " + s + " "));
        yield return ("nul-appended", Quote(s + "\0"));
        yield return ("half", Quote(s[..(s.Length / 2)]));
        yield return ("doubled", Quote(s + s));
        yield return ("lone-surrogate-escape", Quote(s)[..^1] + "\\ud800\"");
        yield return ("raw-newline", "\"" + s + "\n\"");
        yield return ("unicode-escaped", "\"" + string.Concat(s.Select(c => $"\\u{(int)c:x4}")) + "\"");
        if (s.Length > 0)
        {
            var (mutated, label) = TextMutator.MutateOnce(s, rng);
            yield return ("havoc-" + label, Quote(mutated));
            var at = rng.Next(s.Length);
            var flipped = s[..at] + (char)(s[at] ^ 1) + s[(at + 1)..];
            yield return ($"lowbit@{at}", Quote(flipped));
        }

        if (s.Length > 0 && IsBase64(s))
        {
            var bytes = Convert.FromBase64String(s);
            if (bytes.Length > 0)
            {
                var copy = (byte[])bytes.Clone();
                copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
                yield return ("base64-bitflip", Quote(Convert.ToBase64String(copy)));
                yield return ("base64-shorter", Quote(Convert.ToBase64String(bytes[..^1])));
                yield return ("base64-longer", Quote(Convert.ToBase64String([.. bytes, 0])));
                yield return ("base64-empty-bytes", Quote(string.Empty));
                yield return ("base64-unpadded", Quote(s.TrimEnd('=')));
                yield return ("base64-urlsafe", Quote(s.Replace('+', '-').Replace('/', '_')));
                yield return ("base64-with-space", Quote(s[..(s.Length / 2)] + " " + s[(s.Length / 2)..]));
                yield return ("base64-extra-padding", Quote(s + "=="));
                yield return ("base64-zero-bytes", Quote(Convert.ToBase64String(new byte[bytes.Length])));
            }
        }
    }

    private static bool IsBase64(string s)
    {
        if (s.Length % 4 != 0 || s.StartsWith("0x", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            _ = Convert.FromBase64String(s);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static void Collect(JsonNode? node, string[] path, List<string[]> into)
    {
        into.Add(path);
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    Collect(child, [.. path, key], into);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Collect(a[i], [.. path, "#" + i], into);
                }

                break;
        }
    }

    private static JsonNode? Resolve(JsonNode? node, string[] path)
    {
        foreach (var step in path)
        {
            node = step.StartsWith('#') && node is JsonArray a ? a[int.Parse(step[1..], System.Globalization.CultureInfo.InvariantCulture)] : node![step];
        }

        return node;
    }

    private static string Replace(JsonNode root, string[] path, string raw)
    {
        var copy = root.DeepClone();
        var parent = Resolve(copy, path[..^1]);
        var last = path[^1];
        if (last.StartsWith('#') && parent is JsonArray a)
        {
            a[int.Parse(last[1..], System.Globalization.CultureInfo.InvariantCulture)] = Placeholder;
        }
        else
        {
            parent![last] = Placeholder;
        }

        return Splice(copy, raw);
    }

    private static string Remove(JsonNode root, string[] path)
    {
        var copy = root.DeepClone();
        var parent = Resolve(copy, path[..^1]);
        var last = path[^1];
        if (last.StartsWith('#') && parent is JsonArray a)
        {
            a.RemoveAt(int.Parse(last[1..], System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            ((JsonObject)parent!).Remove(last);
        }

        return copy.ToJsonString();
    }

    private static string AddMember(JsonNode root, string[] path, string rawKey, string rawValue)
    {
        var copy = root.DeepClone();
        var target = (JsonObject)Resolve(copy, path)!;
        target[Placeholder] = Placeholder;
        var text = copy.ToJsonString();
        return text.Replace(PlaceholderLiteral + ":" + PlaceholderLiteral, rawKey + ":" + rawValue, StringComparison.Ordinal);
    }

    private static string RenameKey(JsonNode root, string[] path, string key, string newKey)
    {
        var copy = root.DeepClone();
        var target = (JsonObject)Resolve(copy, path)!;
        var value = target[key]?.DeepClone();
        target.Remove(key);
        target[newKey] = value;
        return copy.ToJsonString();
    }

    private static string Splice(JsonNode copy, string raw) =>
        copy.ToJsonString().Replace(PlaceholderLiteral, raw, StringComparison.Ordinal);

    private static string Quote(string s)
    {
        // Quote without escaping non-ASCII, keeping lone surrogates and controls as JSON escapes where JSON requires.
        var builder = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append(@"\\");
                    break;
                case < ' ':
                    builder.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    private static string Nested(int depth, char open, char close) => new string(open, depth) + "1" + new string(close, depth);

    private static string NestedObjects(int depth) => TextMutator.Repeat("{\"a\":", depth * 5) + "1" + new string('}', depth);

    private static string WrapObjects(string inner, int depth) => TextMutator.Repeat("{\"a\":", depth * 5) + inner + new string('}', depth);
}
