using System.Globalization;
using System.Text;
using Dm3.Backend.Names;
using Dm3.Backend.Storage;

namespace Dm3.Backend.Delivery;

/// <summary>Logical table names of the delivery service (the physical names get <c>Storage__TablePrefix</c>).</summary>
public static class DeliveryTableNames
{
    /// <summary>Accepted envelopes, pending and delivered (see <see cref="InboxStore"/>). There is no separate pending table.</summary>
    public const string Inbox = "Inbox";
    public const string Accounts = "Accounts";
    public const string Challenges = "Challenges";
}

/// <summary>The delivery service's tables (physical names), each created on first use by this process.</summary>
public sealed class DeliveryStorage
{
    public DeliveryStorage(ITableStore store, string inboxTable, string accountsTable, string challengesTable)
    {
        Inbox = new EnsuredTable(store, inboxTable);
        Accounts = new EnsuredTable(store, accountsTable);
        Challenges = new EnsuredTable(store, challengesTable);
    }

    public EnsuredTable Inbox { get; }

    public EnsuredTable Accounts { get; }

    public EnsuredTable Challenges { get; }
}

/// <summary>
/// Large text in table properties: Azure Tables limits one string property to 64 KiB (32K UTF-16 units) and an entity
/// to 1 MiB, so an envelope of up to <see cref="DeliverySettings.MaxSizeLimit"/> bytes is split over
/// <c>Name</c>, <c>Name_1</c>, <c>Name_2</c>… of at most 30,000 characters each.
/// </summary>
internal static class ChunkedText
{
    private const int ChunkChars = 30_000;

    public static void Write(IDictionary<string, object?> properties, string name, string text)
    {
        var start = 0;
        var index = 0;
        do
        {
            var length = Math.Min(ChunkChars, text.Length - start);
            // Never split a surrogate pair between two properties (each must be valid UTF-16 on the wire).
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            properties[Key(name, index++)] = text.Substring(start, length);
            start += length;
        }
        while (start < text.Length);
    }

    public static string? Read(TableEntity entity, string name)
    {
        var first = entity.GetString(name);
        if (first is null)
        {
            return null;
        }

        var next = entity.GetString(Key(name, 1));
        if (next is null)
        {
            return first;
        }

        var builder = new StringBuilder(first);
        for (var index = 1; next is not null; next = entity.GetString(Key(name, ++index)))
        {
            builder.Append(next);
        }

        return builder.ToString();
    }

    private static string Key(string name, int index) =>
        index == 0 ? name : name + "_" + index.ToString(CultureInfo.InvariantCulture);
}
