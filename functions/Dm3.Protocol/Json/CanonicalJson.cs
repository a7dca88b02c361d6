using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dm3.Protocol.Json;

/// <summary>
/// The canonical JSON text every dm3 hash and signature is computed over (W§2, compatible with
/// safe-stable-stringify 2.4.3): no whitespace, object keys sorted by UTF-16 code units, ECMAScript number
/// formatting and <c>JSON.stringify</c> string escaping.
/// </summary>
/// <remarks>
/// Tree convention (System.Text.Json.Nodes): a JSON <c>null</c> member or element is a C# <c>null</c> node, as
/// <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/> does it. A document whose root is
/// <c>null</c> therefore has no node: <see cref="TryParse"/> rejects it with <c>json.null_root</c>, while
/// <see cref="TryCanonicalize"/> accepts it and yields <c>null</c>. Numbers are parsed as doubles (JSON.parse semantics).
/// </remarks>
public static class CanonicalJson
{
    /// <summary>Containers nested deeper than this are rejected.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Strict parse: rejects syntax errors, duplicate keys at any depth, lone surrogates (raw or escaped), trailing
    /// data, a byte-order mark, numbers that overflow a double, nesting deeper than <see cref="MaxDepth"/> and a
    /// <c>null</c> root (see remarks). Never throws.
    /// </summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out JsonNode? node, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (!TryParseCore(json, out node, out error))
        {
            return false;
        }

        if (node is null)
        {
            error = new ProtocolError("json.null_root", "The JSON document is null; a null root has no node representation.");
            return false;
        }

        return true;
    }

    /// <summary>Parses strictly (see <see cref="TryParse"/>, but a <c>null</c> root is allowed) and writes the canonical text.</summary>
    public static bool TryCanonicalize(string json, [NotNullWhen(true)] out string? canonical, [NotNullWhen(false)] out ProtocolError? error)
    {
        canonical = null;
        if (!TryParseCore(json, out var node, out error))
        {
            return false;
        }

        canonical = Serialize(node);
        return true;
    }

    /// <summary>
    /// Writes the canonical text of a node tree. A C# null (or a JsonValue holding null) is written as <c>null</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A string or key contains a lone surrogate (we never emit those).</exception>
    public static string Serialize(JsonNode? node)
    {
        var builder = new StringBuilder();
        Write(builder, node, 0);
        return builder.ToString();
    }

    /// <summary>A JSON string literal escaped exactly like ECMAScript <c>JSON.stringify</c>.</summary>
    /// <exception cref="ArgumentException">The value contains a lone surrogate.</exception>
    public static string SerializeString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 2);
        WriteString(builder, value);
        return builder.ToString();
    }

    /// <summary>
    /// ECMAScript <c>Number::toString</c>: shortest round-trip digits, plain notation for exponents in (−7, 21],
    /// otherwise <c>d[.ddd]e±x</c>; −0 prints as <c>0</c>; NaN and ±Infinity print as <c>null</c> (as JSON.stringify does).
    /// </summary>
    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            return "null";
        }

        if (value == 0)
        {
            return "0"; // also −0
        }

        // .NET Core 3.0+ "R" yields the shortest digit string that round-trips; re-layout it the ECMAScript way.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = text[0] == '-';
        var body = negative ? text.AsSpan(1) : text.AsSpan();
        var exponent = 0;
        var e = body.IndexOfAny('E', 'e');
        if (e >= 0)
        {
            exponent = int.Parse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..e];
        }

        var point = body.IndexOf('.');
        var digits = point < 0 ? body.ToString() : string.Concat(body[..point], body[(point + 1)..]);
        var n = (point < 0 ? body.Length : point) + exponent; // value = 0.digits × 10^n
        var leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0')
        {
            leading++;
        }

        digits = digits[leading..].TrimEnd('0');
        n -= leading;
        var k = digits.Length;

        var result = new StringBuilder(32);
        if (negative)
        {
            result.Append('-');
        }

        if (k <= n && n <= 21)
        {
            result.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            result.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            result.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            result.Append(digits[0]);
            if (k > 1)
            {
                result.Append('.').Append(digits, 1, k - 1);
            }

            var exp = n - 1;
            result.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString(CultureInfo.InvariantCulture));
        }

        return result.ToString();
    }

    private static bool TryParseCore(string json, out JsonNode? root, [NotNullWhen(false)] out ProtocolError? error)
    {
        var ok = TryBuild(json, out var built, out error);
        root = ok ? built : null;
        return ok;
    }

    private static bool TryBuild(string json, out JsonNode? root, [NotNullWhen(false)] out ProtocolError? error)
    {
        root = null;
        if (json is null)
        {
            error = new ProtocolError("json.syntax", "No JSON text was given.");
            return false;
        }

        if (json.Length > 0 && json[0] == '\uFEFF')
        {
            error = new ProtocolError("json.syntax", "A byte-order mark is not allowed.");
            return false;
        }

        if (FindLoneSurrogate(json) >= 0)
        {
            error = new ProtocolError("json.lone_surrogate", "The JSON text contains a lone surrogate.");
            return false;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            MaxDepth = MaxDepth + 1, // our own check below gives the precise error
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });

        var stack = new Stack<Frame>();
        var complete = false;
        try
        {
            while (reader.Read())
            {
                JsonNode? value;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        if (stack.Count >= MaxDepth)
                        {
                            error = new ProtocolError("json.too_deep", $"JSON nesting deeper than {MaxDepth} levels is not accepted.");
                            return false;
                        }

                        JsonNode container = reader.TokenType == JsonTokenType.StartObject ? new JsonObject() : new JsonArray();
                        Attach(stack, container, ref root);
                        stack.Push(new Frame(container));
                        continue;

                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.Pop();
                        complete = stack.Count == 0;
                        continue;

                    case JsonTokenType.PropertyName:
                    {
                        if (!TryReadString(ref reader, out var name, out error))
                        {
                            return false;
                        }

                        var frame = stack.Peek();
                        if (!frame.Keys!.Add(name))
                        {
                            error = new ProtocolError("json.duplicate_key", "The JSON text has a duplicate object key.");
                            return false;
                        }

                        frame.PendingKey = name;
                        continue;
                    }

                    case JsonTokenType.String:
                    {
                        if (!TryReadString(ref reader, out var text, out error))
                        {
                            return false;
                        }

                        value = JsonValue.Create(text);
                        break;
                    }

                    case JsonTokenType.Number:
                        if (!reader.TryGetDouble(out var number) || !double.IsFinite(number))
                        {
                            error = new ProtocolError("json.number_range", "A JSON number does not fit a double.");
                            return false;
                        }

                        value = JsonValue.Create(number);
                        break;

                    case JsonTokenType.True:
                        value = JsonValue.Create(true);
                        break;

                    case JsonTokenType.False:
                        value = JsonValue.Create(false);
                        break;

                    case JsonTokenType.Null:
                        value = null;
                        break;

                    default:
                        error = new ProtocolError("json.syntax", "Unexpected JSON token.");
                        return false;
                }

                Attach(stack, value, ref root);
                if (stack.Count == 0)
                {
                    complete = true;
                }
            }
        }
        catch (JsonException e)
        {
            error = new ProtocolError("json.syntax", "The JSON text is malformed: " + e.Message);
            return false;
        }
        catch (InvalidOperationException)
        {
            error = new ProtocolError("json.syntax", "The JSON text contains an invalid string.");
            return false;
        }

        if (!complete)
        {
            error = new ProtocolError("json.syntax", "The JSON text is incomplete.");
            return false;
        }

        error = null;
        return true;
    }

    private static void Attach(Stack<Frame> stack, JsonNode? value, ref JsonNode? root)
    {
        if (stack.Count == 0)
        {
            root = value;
            return;
        }

        var frame = stack.Peek();
        if (frame.Container is JsonArray array)
        {
            array.Add(value);
        }
        else
        {
            ((JsonObject)frame.Container).Add(frame.PendingKey!, value);
            frame.PendingKey = null;
        }
    }

    private static bool TryReadString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        if (reader.ValueIsEscaped && !EscapedSurrogatesArePaired(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan))
        {
            error = new ProtocolError("json.lone_surrogate", "A JSON string contains an escaped lone surrogate.");
            return false;
        }

        text = reader.GetString()!;
        error = null;
        return true;
    }

    /// <summary>Checks the raw (still escaped) bytes of a string token: every \uD800–\uDBFF must be followed by \uDC00–\uDFFF.</summary>
    private static bool EscapedSurrogatesArePaired(ReadOnlySpan<byte> raw)
    {
        var expectLow = false;
        for (var i = 0; i < raw.Length; i++)
        {
            int unit = -1;
            if (raw[i] == (byte)'\\' && i + 1 < raw.Length)
            {
                if (raw[i + 1] == (byte)'u' && i + 5 < raw.Length)
                {
                    unit = 0;
                    for (var j = i + 2; j < i + 6; j++)
                    {
                        var c = raw[j];
                        var digit = c switch
                        {
                            >= (byte)'0' and <= (byte)'9' => c - '0',
                            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                            _ => -1,
                        };
                        if (digit < 0)
                        {
                            return false;
                        }

                        unit = (unit << 4) | digit;
                    }

                    i += 5;
                }
                else
                {
                    i += 1; // a short escape such as \n or \\ (never a surrogate)
                }
            }

            var isHigh = unit is >= 0xD800 and <= 0xDBFF;
            var isLow = unit is >= 0xDC00 and <= 0xDFFF;
            if (expectLow != isLow)
            {
                return false;
            }

            expectLow = isHigh;
        }

        return !expectLow;
    }

    private static int FindLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                return i;
            }

            if (char.IsLowSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Write(StringBuilder builder, JsonNode? node, int depth)
    {
        if (depth > 1000)
        {
            throw new ArgumentException("The JSON tree is too deep to serialize.");
        }

        switch (node)
        {
            case null:
                builder.Append("null");
                break;

            case JsonObject obj:
            {
                var members = new List<KeyValuePair<string, JsonNode?>>(obj.Count);
                foreach (var member in obj)
                {
                    members.Add(member);
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                builder.Append('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    WriteString(builder, members[i].Key);
                    builder.Append(':');
                    Write(builder, members[i].Value, depth + 1);
                }

                builder.Append('}');
                break;
            }

            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    Write(builder, array[i], depth + 1);
                }

                builder.Append(']');
                break;

            case JsonValue value:
                WriteValue(builder, value);
                break;

            default:
                throw new ArgumentException($"Unsupported JSON node type {node.GetType().Name}.");
        }
    }

    private static void WriteValue(StringBuilder builder, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(builder, value.TryGetValue<string>(out var s) ? s : JsonSerializer.Deserialize<string>(value.ToJsonString())!);
                break;
            case JsonValueKind.Number:
                var number = value.TryGetValue<double>(out var d)
                    ? d
                    : double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                builder.Append(FormatNumber(number));
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            case JsonValueKind.Null:
                builder.Append("null");
                break;
            case JsonValueKind.Object:
            case JsonValueKind.Array:
                // A JsonValue wrapping an element or POCO that is structurally a container: re-parse it as a tree.
                Write(builder, JsonNode.Parse(value.ToJsonString()), 0);
                break;
            default:
                throw new ArgumentException("Unsupported JSON value.");
        }
    }

    private static void WriteString(StringBuilder builder, string value)
    {
        if (FindLoneSurrogate(value) >= 0)
        {
            throw new ArgumentException("A string with a lone surrogate cannot be written as canonical JSON.");
        }

        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case < ' ':
                    builder.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        builder.Append('"');
    }

    private sealed class Frame(JsonNode container)
    {
        public JsonNode Container { get; } = container;

        public HashSet<string>? Keys { get; } = container is JsonObject ? new HashSet<string>(StringComparer.Ordinal) : null;

        public string? PendingKey { get; set; }
    }
}
