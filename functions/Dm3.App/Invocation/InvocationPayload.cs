using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dm3.App.Invocation;

/// <summary>
/// Reads the Functions host's invocation request <c>{"Data":{…},"Metadata":{…}}</c> (functions-custom-handler.md §4):
/// top-level keys case-insensitive; top-level strings may be JSON-encoded a second time (<c>"\"abc\""</c>); numbers
/// and booleans may arrive as strings; with <c>dataType: binary</c> the trigger value is base64 of the body bytes.
/// Never throws on bad input.
/// </summary>
public sealed class InvocationPayload
{
    private readonly JsonElement _data;
    private readonly JsonElement _metadata;

    private InvocationPayload(JsonElement data, JsonElement metadata)
    {
        _data = data;
        _metadata = metadata;
    }

    /// <summary>Parses the request body. The returned payload owns a clone of the JSON.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, [NotNullWhen(true)] out InvocationPayload? payload, [NotNullWhen(false)] out string? error)
    {
        payload = null;
        JsonElement root;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            root = JsonElement.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            error = "the invocation body is not valid JSON: " + ex.Message;
            return false;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "the invocation body is not a JSON object.";
            return false;
        }
        var data = Property(root, "Data");
        if (data is not { ValueKind: JsonValueKind.Object })
        {
            error = "the invocation body has no Data object.";
            return false;
        }
        var metadata = Property(root, "Metadata");
        payload = new InvocationPayload(data.Value, metadata is { ValueKind: JsonValueKind.Object } m ? m : default);
        error = null;
        return true;
    }

    /// <summary>
    /// The trigger's bytes: <c>Data.&lt;binding&gt;</c> (or the only Data entry). A base64 string is decoded (dataType binary);
    /// a doubly-encoded string is unquoted first and, if not base64, taken as UTF-8 text; an object is taken as its JSON text.
    /// </summary>
    public bool TryGetTriggerBytes(string bindingName, [NotNullWhen(true)] out byte[]? bytes, [NotNullWhen(false)] out string? error)
    {
        bytes = null;
        var value = Property(_data, bindingName);
        if (value is null)
        {
            var entries = _data.EnumerateObject().ToList();
            if (entries.Count != 1)
            {
                error = $"Data has no '{bindingName}' entry.";
                return false;
            }
            value = entries[0].Value;
        }
        switch (value.Value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.Value.GetString()!;
                var quoted = TryUnquote(text, out var unquoted);
                if (quoted)
                {
                    text = unquoted!;
                }
                var buffer = new byte[text.Length];
                if (text.Length > 0 && Convert.TryFromBase64String(text, buffer, out var written))
                {
                    bytes = buffer[..written];
                }
                else
                {
                    bytes = Encoding.UTF8.GetBytes(text);
                }
                error = null;
                return true;
            case JsonValueKind.Object or JsonValueKind.Array:
                bytes = Encoding.UTF8.GetBytes(value.Value.GetRawText());
                error = null;
                return true;
            default:
                error = $"Data.{bindingName} is neither a string nor an object.";
                return false;
        }
    }

    /// <summary>A trigger object's raw JSON (timer trigger data).</summary>
    public JsonElement? TriggerObject(string bindingName) =>
        Property(_data, bindingName) is { ValueKind: JsonValueKind.Object } o ? o : null;

    /// <summary>A metadata string; a doubly-encoded string is unquoted once.</summary>
    public string? MetadataString(string name)
    {
        if (_metadata.ValueKind != JsonValueKind.Object || Property(_metadata, name) is not { } value)
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => TryUnquote(value.GetString()!, out var unquoted) ? unquoted : value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>A metadata integer sent as a string (<c>"1"</c>) or a number.</summary>
    public long? MetadataInt64(string name) =>
        long.TryParse(MetadataString(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>Metadata.sys.&lt;name&gt;</c> as text.</summary>
    public string? SysString(string name) =>
        _metadata.ValueKind == JsonValueKind.Object && Property(_metadata, "sys") is { ValueKind: JsonValueKind.Object } sys
        && Property(sys, name) is { ValueKind: JsonValueKind.String } value
            ? value.GetString()
            : null;

    internal static JsonElement? Property(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (obj.TryGetProperty(name, out var exact))
        {
            return exact;
        }
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }
        return null;
    }

    /// <summary><c>"\"abc\""</c> → <c>abc</c>. False when the text is not a JSON string literal.</summary>
    internal static bool TryUnquote(string text, out string? value)
    {
        value = null;
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return false;
        }
        try
        {
            value = JsonSerializer.Deserialize<string>(text);
            return value is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
