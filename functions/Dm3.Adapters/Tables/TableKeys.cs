namespace Dm3.Adapters.Tables;

/// <summary>Caller-bug checks done before any I/O: table names, keys and custom property names.</summary>
internal static class TableKeys
{
    /// <summary>Table names: 3–63 alphanumerics starting with a letter.</summary>
    public static void ValidateTableName(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Length is < 3 or > 63 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit)
            || string.Equals(table, "tables", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{table}' is not a valid table name (3-63 ASCII letters/digits, starting with a letter).", nameof(table));
        }
    }

    /// <summary>Keys: at most 1 KiB (UTF-16), no / \ # ? and no control characters.</summary>
    public static void ValidateKeys(string partitionKey, string rowKey)
    {
        ValidateKey(partitionKey, nameof(partitionKey));
        ValidateKey(rowKey, nameof(rowKey));
    }

    private static void ValidateKey(string key, string parameter)
    {
        ArgumentNullException.ThrowIfNull(key, parameter);
        if (key.Length > 512)
        {
            throw new ArgumentException("A table key is longer than 1 KiB.", parameter);
        }
        foreach (var c in key)
        {
            if (c is '/' or '\\' or '#' or '?' || c <= '\u001F' || (c >= '\u007F' && c <= '\u009F'))
            {
                throw new ArgumentException($"A table key contains the forbidden character U+{(int)c:X4}.", parameter);
            }
        }
    }

    /// <summary>Custom property names: 1–255 characters, not a system name, no OData annotation.</summary>
    public static void ValidatePropertyName(string name)
    {
        if (name.Length == 0 || name.Length > 255 || name is "PartitionKey" or "RowKey" or "Timestamp" || name.Contains('@', StringComparison.Ordinal)
            || name.StartsWith("odata.", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid custom table property name.");
        }
    }
}
