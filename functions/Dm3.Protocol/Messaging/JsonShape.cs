using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Messaging;

/// <summary>
/// Small helpers for reading the closed dm3 object schemas from a parsed JSON tree
/// (unknown members rejected, required members present, member types checked). Never throws on bad input.
/// </summary>
internal static class JsonShape
{
    /// <summary>Parses JSON with the strict canonical parser (duplicate keys rejected) and requires an object.</summary>
    public static bool TryParseObject(string? json, string what, [NotNullWhen(true)] out JsonObject? obj, [NotNullWhen(false)] out ProtocolError? error)
    {
        obj = null;
        if (json is null)
        {
            error = new ProtocolError($"{what}.missing", $"{what}: no JSON text was given.");
            return false;
        }

        if (!CanonicalJson.TryParse(json, out var node, out var parseError))
        {
            error = new ProtocolError(parseError.Code, $"{what}: {parseError.Message}");
            return false;
        }

        return TryObject(node, what, out obj, out error);
    }

    public static bool TryObject(JsonNode? node, string what, [NotNullWhen(true)] out JsonObject? obj, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (node is JsonObject o)
        {
            obj = o;
            error = null;
            return true;
        }

        obj = null;
        error = new ProtocolError($"{what}.not_object", $"{what} must be a JSON object.");
        return false;
    }

    /// <summary>Rejects members outside <paramref name="allowed"/> and reports the first missing required member.</summary>
    public static bool CheckMembers(JsonObject obj, string what, IReadOnlyCollection<string> required, IReadOnlyCollection<string> optional, [NotNullWhen(false)] out ProtocolError? error)
    {
        foreach (var (key, _) in obj)
        {
            if (!required.Contains(key) && !optional.Contains(key))
            {
                error = new ProtocolError($"{what}.unknown_member", $"{what} has an unknown member '{Truncate(key)}'.");
                return false;
            }
        }

        foreach (var key in required)
        {
            if (!obj.ContainsKey(key))
            {
                error = new ProtocolError($"{what}.missing_member", $"{what} lacks the required member '{key}'.");
                return false;
            }
        }

        error = null;
        return true;
    }

    public static bool TryString(JsonObject obj, string what, string member, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (obj.TryGetPropertyValue(member, out var node) && node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue<string>(out var s))
        {
            value = s;
            error = null;
            return true;
        }

        value = null;
        error = new ProtocolError($"{what}.bad_type", $"{what}.{member} must be a string.");
        return false;
    }

    /// <summary>Reads an optional string member: absent gives null; present but not a string is an error.</summary>
    public static bool TryOptionalString(JsonObject obj, string what, string member, out string? value, [NotNullWhen(false)] out ProtocolError? error)
    {
        value = null;
        error = null;
        if (!obj.ContainsKey(member))
        {
            return true;
        }

        if (TryString(obj, what, member, out var s, out error))
        {
            value = s;
            return true;
        }

        return false;
    }

    public static bool TryNumber(JsonObject obj, string what, string member, out double value, [NotNullWhen(false)] out ProtocolError? error)
    {
        if (obj.TryGetPropertyValue(member, out var node) && node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && TryDouble(v, out value))
        {
            error = null;
            return true;
        }

        value = 0;
        error = new ProtocolError($"{what}.bad_type", $"{what}.{member} must be a number.");
        return false;
    }

    public static bool TryStringArray(JsonObject obj, string what, string member, [NotNullWhen(true)] out string[]? values, [NotNullWhen(false)] out ProtocolError? error)
    {
        values = null;
        if (!obj.TryGetPropertyValue(member, out var node) || node is not JsonArray array)
        {
            error = new ProtocolError($"{what}.bad_type", $"{what}.{member} must be an array of strings.");
            return false;
        }

        var result = new string[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue<string>(out var s))
            {
                result[i] = s;
            }
            else
            {
                error = new ProtocolError($"{what}.bad_type", $"{what}.{member}[{i}] must be a string.");
                return false;
            }
        }

        values = result;
        error = null;
        return true;
    }

    private static bool TryDouble(JsonValue v, out double value)
    {
        if (v.TryGetValue(out value))
        {
            return true;
        }

        if (v.TryGetValue<JsonElement>(out var element) && element.ValueKind == JsonValueKind.Number)
        {
            return element.TryGetDouble(out value);
        }

        if (v.TryGetValue<long>(out var l))
        {
            value = l;
            return true;
        }

        if (v.TryGetValue<decimal>(out var m))
        {
            value = (double)m;
            return true;
        }

        value = 0;
        return false;
    }

    private static string Truncate(string key) => key.Length <= 64 ? key : key[..64] + "…";

    private static readonly string[] NoMembers = [];

    public static IReadOnlyCollection<string> None => NoMembers;
}
