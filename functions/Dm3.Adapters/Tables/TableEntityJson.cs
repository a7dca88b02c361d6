using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Dm3.Backend.Storage;

namespace Dm3.Adapters.Tables;

/// <summary>Table service JSON payloads (OData v3 JSON light) ↔ <see cref="TableEntity"/>.</summary>
internal static class TableEntityJson
{
    private const string TypeSuffix = "@odata.type";

    public static byte[] Serialize(TableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("PartitionKey", entity.PartitionKey);
            writer.WriteString("RowKey", entity.RowKey);
            foreach (var (name, value) in entity.Properties)
            {
                if (value is null)
                {
                    continue;
                }
                ValidatePropertyName(name);
                WriteProperty(writer, name, value);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void ValidatePropertyName(string name)
    {
        if (name.Length == 0 || name.Length > 255 || name is "PartitionKey" or "RowKey" or "Timestamp" || name.Contains('@', StringComparison.Ordinal)
            || name.StartsWith("odata.", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid custom table property name.");
        }
    }

    private static void WriteProperty(Utf8JsonWriter writer, string name, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteString(name, s);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case long l:
                writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                writer.WriteString(name + TypeSuffix, "Edm.Int64");
                break;
            case double d:
                if (double.IsNaN(d))
                {
                    writer.WriteString(name, "NaN");
                }
                else if (double.IsPositiveInfinity(d))
                {
                    writer.WriteString(name, "Infinity");
                }
                else if (double.IsNegativeInfinity(d))
                {
                    writer.WriteString(name, "-Infinity");
                }
                else
                {
                    writer.WriteNumber(name, d);
                }
                writer.WriteString(name + TypeSuffix, "Edm.Double");
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case byte[] bytes:
                writer.WriteString(name, Convert.ToBase64String(bytes));
                writer.WriteString(name + TypeSuffix, "Edm.Binary");
                break;
            case ReadOnlyMemory<byte> memory:
                writer.WriteString(name, Convert.ToBase64String(memory.Span));
                writer.WriteString(name + TypeSuffix, "Edm.Binary");
                break;
            case DateTimeOffset dto:
                writer.WriteString(name, FormatDate(dto));
                writer.WriteString(name + TypeSuffix, "Edm.DateTime");
                break;
            case DateTime dt:
                writer.WriteString(name, FormatDate(new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt)));
                writer.WriteString(name + TypeSuffix, "Edm.DateTime");
                break;
            case Guid g:
                writer.WriteString(name, g.ToString("D"));
                writer.WriteString(name + TypeSuffix, "Edm.Guid");
                break;
            default:
                throw new ArgumentException($"Property '{name}' has unsupported type {value.GetType().Name}.");
        }
    }

    private static string FormatDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads one entity object. <paramref name="etagHeader"/> wins over <c>odata.etag</c>.</summary>
    public static TableEntity Read(JsonElement element, string? etagHeader)
    {
        string? pk = null, rk = null, etag = etagHeader;
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            if (p.Name.EndsWith(TypeSuffix, StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.String)
            {
                types[p.Name[..^TypeSuffix.Length]] = p.Value.GetString()!;
            }
        }

        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            switch (p.Name)
            {
                case "PartitionKey":
                    pk = p.Value.GetString();
                    continue;
                case "RowKey":
                    rk = p.Value.GetString();
                    continue;
                case "Timestamp":
                    continue;
                case "odata.etag":
                    etag ??= p.Value.GetString();
                    continue;
            }
            if (p.Name.StartsWith("odata.", StringComparison.Ordinal) || p.Name.Contains('@', StringComparison.Ordinal))
            {
                continue;
            }
            properties[p.Name] = ReadValue(p.Value, types.GetValueOrDefault(p.Name));
        }

        if (pk is null || rk is null)
        {
            throw new InvalidDataException("A table entity in the response has no PartitionKey or RowKey.");
        }
        return new TableEntity(pk, rk, properties, etag);
    }

    private static object? ReadValue(JsonElement value, string? edmType)
    {
        switch (edmType)
        {
            case "Edm.Int64":
                return value.ValueKind == JsonValueKind.Number ? value.GetInt64() : long.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            case "Edm.Int32":
                return value.ValueKind == JsonValueKind.Number ? value.GetInt32() : int.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            case "Edm.Double":
                return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : ParseSpecialDouble(value.GetString()!);
            case "Edm.Binary":
                return Convert.FromBase64String(value.GetString()!);
            case "Edm.DateTime":
                return DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            case "Edm.Guid":
                return Guid.Parse(value.GetString()!);
            case "Edm.Boolean":
                return value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && bool.Parse(value.GetString()!));
            case "Edm.String":
                return value.GetString();
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            JsonValueKind.Number => IsIntegerLiteral(value) && value.TryGetInt32(out var i) ? (object)i : value.GetDouble(),
            _ => value.GetRawText(),
        };
    }

    private static bool IsIntegerLiteral(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.IndexOfAny(['.', 'e', 'E']) < 0;
    }

    private static double ParseSpecialDouble(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" or "INF" => double.PositiveInfinity,
        "-Infinity" or "-INF" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
