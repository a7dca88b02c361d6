using FsCheck;
using FsCheck.Fluent;
using Dm3.Adapters.Tables;
using Dm3.Backend.Storage;

namespace Dm3.Adapters.Tests.Tables;

public sealed class TableEntityConversionTests
{
    [Fact]
    public void ToSdk_keeps_the_supported_types_and_omits_nulls()
    {
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));
        var entity = new TableEntity("p", "r", new Dictionary<string, object?>
        {
            ["L"] = 42L, ["B"] = new byte[] { 1, 2 }, ["M"] = new ReadOnlyMemory<byte>([3, 4]), ["D"] = at,
            ["U"] = new DateTime(2025, 6, 1, 10, 0, 0, DateTimeKind.Unspecified),
            ["G"] = Guid.Empty, ["S"] = "s", ["I"] = 7, ["F"] = true, ["X"] = 1.5, ["Null"] = null,
        });
        var sdk = TableServiceStore.ToSdk(entity);
        Assert.Equal("p", sdk.PartitionKey);
        Assert.Equal("r", sdk.RowKey);
        Assert.Equal(42L, Assert.IsType<long>(sdk["L"]));
        Assert.Equal(new byte[] { 1, 2 }, Assert.IsType<byte[]>(sdk["B"]));
        Assert.Equal(new byte[] { 3, 4 }, Assert.IsType<byte[]>(sdk["M"]));
        Assert.Equal(TimeSpan.Zero, Assert.IsType<DateTimeOffset>(sdk["D"]).Offset);
        Assert.Equal(at, (DateTimeOffset)sdk["D"]);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 10, 0, 0, TimeSpan.Zero), Assert.IsType<DateTimeOffset>(sdk["U"]));
        Assert.Equal(7, Assert.IsType<int>(sdk["I"]));
        Assert.False(sdk.ContainsKey("Null"));

        var back = TableServiceStore.FromSdk(sdk);
        Assert.Equal(["B", "D", "F", "G", "I", "L", "M", "S", "U", "X"], back.Properties.Keys.Order(StringComparer.Ordinal));
        Assert.Null(back.ETag);
    }

    [Fact]
    public void ToSdk_rejects_unsupported_values_and_reserved_names()
    {
        Assert.Throws<ArgumentException>(() => TableServiceStore.ToSdk(new TableEntity("p", "r", new Dictionary<string, object?> { ["X"] = new object() })));
        Assert.Throws<ArgumentException>(() => TableServiceStore.ToSdk(new TableEntity("p", "r", new Dictionary<string, object?> { ["RowKey"] = "x" })));
        Assert.Throws<ArgumentException>(() => TableServiceStore.ToSdk(new TableEntity("p", "r", new Dictionary<string, object?> { ["A@odata.type"] = "x" })));
        Assert.Throws<ArgumentException>(() => TableServiceStore.ToSdk(new TableEntity("p/q", "r", new Dictionary<string, object?>())));
    }

    [Fact]
    public void Continuation_tokens_round_trip_and_foreign_ones_are_refused()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<NonEmptyString>(), token =>
        {
            var text = token.Get;
            if (text.Any(char.IsSurrogate))
            {
                return true;
            }
            var encoded = TableContinuation.Encode(text);
            return TableContinuation.TryDecode(encoded, out var decoded) && decoded == text && TableServiceStore.IsValidContinuation(encoded);
        }).QuickCheckThrowOnFailure();
        Assert.False(TableServiceStore.IsValidContinuation(null));
        Assert.False(TableServiceStore.IsValidContinuation("t1.YWJj"));
        Assert.False(TableServiceStore.IsValidContinuation("t2.!!"));
        Assert.False(TableServiceStore.IsValidContinuation("t2." + new string('a', 5000)));
    }
}
