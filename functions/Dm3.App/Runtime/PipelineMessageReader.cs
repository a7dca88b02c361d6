using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Dm3.Backend.Messaging;

namespace Dm3.App.Runtime;

/// <summary>Reads a pipeline message body (<c>{"id","kind","ref"}</c> UTF-8 JSON). Never throws on bad input.</summary>
public static class PipelineMessageReader
{
    public const int MaxIdLength = 256;

    public static bool TryRead(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out PipelineMessage? message, [NotNullWhen(false)] out string? error)
    {
        message = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 16 });
            using var doc = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != utf8Json.Length && utf8Json[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).Length != 0)
            {
                error = "the message body has trailing data.";
                return false;
            }
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the message body is not a JSON object.";
                return false;
            }
            string? id = null, kind = null, reference = null;
            foreach (var property in root.EnumerateObject())
            {
                ref string? slot = ref id;
                switch (property.Name)
                {
                    case "id":
                        slot = ref id;
                        break;
                    case "kind":
                        slot = ref kind;
                        break;
                    case "ref":
                        slot = ref reference;
                        break;
                    default:
                        continue;
                }
                if (slot is not null)
                {
                    error = $"the message body has a duplicate '{property.Name}'.";
                    return false;
                }
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    error = $"'{property.Name}' is not a string.";
                    return false;
                }
                slot = property.Value.GetString()!;
            }
            if (id is null || kind is null || reference is null)
            {
                error = "the message body needs string properties id, kind and ref.";
                return false;
            }
            if (!IsValidId(id))
            {
                error = $"'id' must be 1-{MaxIdLength} characters without control characters or / \\ # ?.";
                return false;
            }
            message = new PipelineMessage(id, kind, reference);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = "the message body is not valid JSON: " + ex.Message;
            return false;
        }
    }

    /// <summary>Ids become table row keys: same rules as Azure Table keys.</summary>
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= MaxIdLength
        && !id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
}
