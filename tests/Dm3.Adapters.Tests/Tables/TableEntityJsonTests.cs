using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Dm3.Adapters.Tables;
using Dm3.Backend.Storage;

namespace Dm3.Adapters.Tests.Tables;

public sealed class TableEntityJsonTests
{
    [Fact]
    public void Serialize_annotates_the_types_the_service_cannot_infer()
    {
        var entity = new TableEntity("p", "r", new Dictionary<string, object?>
        {
            ["L"] = 42L, ["B"] = new byte[] { 1, 2 }, ["D"] = new DateTimeOffset(2025, 6, 1, 10, 0, 0, TimeSpan.Zero),
            ["G"] = Guid.Empty, ["S"] = "s", ["I"] = 7, ["F"] = true, ["Null"] = null,
        });
        using var doc = JsonDocument.Parse(TableEntityJson.Serialize(entity));
        var root = doc.RootElement;
        Assert.Equal("42", root.GetProperty("L").GetString());
        Assert.Equal("Edm.Int64", root.GetProperty("L@odata.type").GetString());
        Assert.Equal("AQI=", root.GetProperty("B").GetString());
        Assert.Equal("Edm.Binary", root.GetProperty("B@odata.type").GetString());
        Assert.Equal("2025-06-01T10:00:00.0000000Z", root.GetProperty("D").GetString());
        Assert.Equal("Edm.DateTime", root.GetProperty("D@odata.type").GetString());
        Assert.Equal("Edm.Guid", root.GetProperty("G@odata.type").GetString());
        Assert.Equal(7, root.GetProperty("I").GetInt32());
        Assert.False(root.TryGetProperty("S@odata.type", out _));
        Assert.False(root.TryGetProperty("I@odata.type", out _));
        Assert.False(root.TryGetProperty("Null", out _));
    }

    [Fact]
    public void Serialize_rejects_unsupported_values_and_reserved_names()
    {
        Assert.Throws<ArgumentException>(() => TableEntityJson.Serialize(new TableEntity("p", "r", new Dictionary<string, object?> { ["X"] = new object() })));
        Assert.Throws<ArgumentException>(() => TableEntityJson.Serialize(new TableEntity("p", "r", new Dictionary<string, object?> { ["RowKey"] = "x" })));
    }

    [Fact]
    public void Continuation_tokens_round_trip_with_and_without_a_row_key()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<NonEmptyString>(), ArbMap.Default.ArbFor<string>(), (pk, rk) =>
        {
            var npk = pk.Get.Replace("\n", "", StringComparison.Ordinal);
            if (npk.Length == 0 || npk.Any(char.IsSurrogate) || (rk ?? "").Any(char.IsSurrogate))
            {
                return true;
            }
            var token = TableContinuation.Encode(npk, rk);
            return TableContinuation.TryDecode(token, out var dpk, out var drk) && dpk == npk && drk == rk;
        }).QuickCheckThrowOnFailure();
    }
}
