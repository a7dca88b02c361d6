using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Storage;

namespace Dm3.Adapters.Tests.Tables;

/// <summary>The SDK-backed <see cref="Dm3.Adapters.Tables.TableServiceStore"/> against Azurite: today's <see cref="ITableStore"/> semantics.</summary>
public sealed class TableServiceStoreTests(AzuriteTableFixture fixture) : IClassFixture<AzuriteTableFixture>
{
    private readonly ITableStore _store = fixture.Client;
    private readonly string _table = fixture.Table;
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static TableEntity Entity(string pk, string rk, params (string Name, object? Value)[] properties) =>
        new(pk, rk, properties.ToDictionary(p => p.Name, p => p.Value));

    [Fact]
    public async Task Create_table_is_idempotent()
    {
        await _store.CreateTableIfNotExistsAsync(_table, Ct);
        await _store.CreateTableIfNotExistsAsync(_table, Ct);
    }

    [Fact]
    public async Task Insert_then_point_read_returns_the_entity_with_its_etag()
    {
        var pk = Azurite.UniqueName("pk");
        var inserted = await _store.InsertAsync(_table, Entity(pk, "r1", ("Name", "alice")), Ct);
        Assert.Equal(TableWriteStatus.Ok, inserted.Status);
        Assert.False(string.IsNullOrEmpty(inserted.ETag));

        var read = await _store.GetAsync(_table, pk, "r1", Ct);
        Assert.NotNull(read);
        Assert.Equal("alice", read.GetString("Name"));
        Assert.Equal(inserted.ETag, read.ETag);
        Assert.False(read.Properties.ContainsKey("Timestamp"));
    }

    [Fact]
    public async Task Insert_of_an_existing_entity_is_a_conflict()
    {
        var pk = Azurite.UniqueName("pk");
        Assert.True((await _store.InsertAsync(_table, Entity(pk, "r", ("V", 1)), Ct)).IsOk);
        var second = await _store.InsertAsync(_table, Entity(pk, "r", ("V", 2)), Ct);
        Assert.Equal(TableWriteStatus.Conflict, second.Status);
        Assert.Equal(1L, (await _store.GetAsync(_table, pk, "r", Ct))!.GetInt64("V"));
    }

    [Fact]
    public async Task Point_read_of_a_missing_entity_is_null()
    {
        Assert.Null(await _store.GetAsync(_table, Azurite.UniqueName("pk"), "nothing", Ct));
    }

    [Fact]
    public async Task Empty_row_key_and_a_quote_in_the_key_round_trip()
    {
        var pk = Azurite.UniqueName("it's-") + "'q";
        Assert.True((await _store.InsertAsync(_table, Entity(pk, "", ("A", "x")), Ct)).IsOk);
        var read = await _store.GetAsync(_table, pk, "", Ct);
        Assert.NotNull(read);
        Assert.Equal(pk, read.PartitionKey);
        Assert.Equal("", read.RowKey);
    }

    [Fact]
    public async Task Update_with_a_stale_etag_is_precondition_failed()
    {
        var pk = Azurite.UniqueName("pk");
        var first = await _store.InsertAsync(_table, Entity(pk, "r", ("V", 1)), Ct);
        var second = await _store.UpdateAsync(_table, Entity(pk, "r", ("V", 2)), first.ETag!, TableUpdateMode.Replace, Ct);
        Assert.Equal(TableWriteStatus.Ok, second.Status);
        Assert.NotEqual(first.ETag, second.ETag);

        var stale = await _store.UpdateAsync(_table, Entity(pk, "r", ("V", 3)), first.ETag!, TableUpdateMode.Merge, Ct);
        Assert.Equal(TableWriteStatus.PreconditionFailed, stale.Status);
        Assert.Equal(2L, (await _store.GetAsync(_table, pk, "r", Ct))!.GetInt64("V"));
    }

    [Fact]
    public async Task Update_of_a_missing_entity_is_not_found()
    {
        var result = await _store.UpdateAsync(_table, Entity(Azurite.UniqueName("pk"), "r", ("V", 1)), "*", TableUpdateMode.Replace, Ct);
        Assert.Equal(TableWriteStatus.NotFound, result.Status);
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_fails_and_with_the_current_one_succeeds()
    {
        var pk = Azurite.UniqueName("pk");
        var first = await _store.InsertAsync(_table, Entity(pk, "r", ("V", 1)), Ct);
        var second = await _store.UpdateAsync(_table, Entity(pk, "r", ("V", 2)), "*", TableUpdateMode.Replace, Ct);

        Assert.Equal(TableWriteStatus.PreconditionFailed, (await _store.DeleteAsync(_table, pk, "r", first.ETag!, Ct)).Status);
        Assert.NotNull(await _store.GetAsync(_table, pk, "r", Ct));
        Assert.Equal(TableWriteStatus.Ok, (await _store.DeleteAsync(_table, pk, "r", second.ETag!, Ct)).Status);
        Assert.Null(await _store.GetAsync(_table, pk, "r", Ct));
        Assert.Equal(TableWriteStatus.NotFound, (await _store.DeleteAsync(_table, pk, "r", "*", Ct)).Status);
    }

    [Fact]
    public async Task Merge_keeps_absent_properties_and_replace_drops_them()
    {
        var pk = Azurite.UniqueName("pk");
        await _store.InsertAsync(_table, Entity(pk, "m", ("A", "a1"), ("B", "b1")), Ct);
        await _store.InsertAsync(_table, Entity(pk, "p", ("A", "a1"), ("B", "b1")), Ct);

        Assert.True((await _store.UpdateAsync(_table, Entity(pk, "m", ("A", "a2")), "*", TableUpdateMode.Merge, Ct)).IsOk);
        Assert.True((await _store.UpdateAsync(_table, Entity(pk, "p", ("A", "a2")), "*", TableUpdateMode.Replace, Ct)).IsOk);

        var merged = await _store.GetAsync(_table, pk, "m", Ct);
        Assert.Equal("a2", merged!.GetString("A"));
        Assert.Equal("b1", merged.GetString("B"));

        var replaced = await _store.GetAsync(_table, pk, "p", Ct);
        Assert.Equal("a2", replaced!.GetString("A"));
        Assert.False(replaced.Properties.ContainsKey("B"));
    }

    [Fact]
    public async Task Upsert_inserts_when_absent_and_merges_or_replaces_when_present()
    {
        var pk = Azurite.UniqueName("pk");
        Assert.True((await _store.UpsertAsync(_table, Entity(pk, "u", ("A", "1"), ("B", "1")), TableUpdateMode.Replace, Ct)).IsOk);
        Assert.True((await _store.UpsertAsync(_table, Entity(pk, "u", ("C", "1")), TableUpdateMode.Merge, Ct)).IsOk);
        var merged = await _store.GetAsync(_table, pk, "u", Ct);
        Assert.Equal(["A", "B", "C"], merged!.Properties.Keys.Order());

        Assert.True((await _store.UpsertAsync(_table, Entity(pk, "u", ("D", "1")), TableUpdateMode.Replace, Ct)).IsOk);
        var replaced = await _store.GetAsync(_table, pk, "u", Ct);
        Assert.Equal(["D"], replaced!.Properties.Keys);
    }

    [Fact]
    public async Task Typed_properties_round_trip()
    {
        var pk = Azurite.UniqueName("pk");
        var at = new DateTimeOffset(2025, 6, 1, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567);
        var guid = Guid.NewGuid();
        var bytes = new byte[] { 0, 1, 2, 250, 255 };
        const string text = "Grüße \"quoted\" 'single' \\ 😀 ünïcödé";
        await _store.InsertAsync(_table, Entity(pk, "t",
            ("Long", long.MaxValue - 7),
            ("SmallLong", 5L),
            ("Int", -42),
            ("Double", 1.5),
            ("WholeDouble", 2.0),
            ("Bool", true),
            ("False", false),
            ("Bin", bytes),
            ("At", at),
            ("Id", guid),
            ("Text", text)), Ct);

        var read = (await _store.GetAsync(_table, pk, "t", Ct))!;
        Assert.Equal(long.MaxValue - 7, Assert.IsType<long>(read.Properties["Long"]));
        Assert.Equal(5L, Assert.IsType<long>(read.Properties["SmallLong"]));
        Assert.Equal(-42, Assert.IsType<int>(read.Properties["Int"]));
        Assert.Equal(1.5, Assert.IsType<double>(read.Properties["Double"]));
        Assert.Equal(2.0, Assert.IsType<double>(read.Properties["WholeDouble"]));
        Assert.True(Assert.IsType<bool>(read.Properties["Bool"]));
        Assert.False(Assert.IsType<bool>(read.Properties["False"]));
        Assert.Equal(bytes, Assert.IsType<byte[]>(read.Properties["Bin"]));
        Assert.Equal(at, Assert.IsType<DateTimeOffset>(read.Properties["At"]));
        Assert.Equal(TimeSpan.Zero, ((DateTimeOffset)read.Properties["At"]!).Offset);
        Assert.Equal(guid, Assert.IsType<Guid>(read.Properties["Id"]));
        Assert.Equal(text, read.GetString("Text"));

        // The same types come back from a query (minimal metadata).
        var page = await _store.QueryAsync(_table, new TableQuery(TableFilter.PartitionKeyEquals(pk)), null, Ct);
        var queried = Assert.Single(page.Items);
        Assert.Equal(read.Properties.Count, queried.Properties.Count);
        Assert.Equal(long.MaxValue - 7, Assert.IsType<long>(queried.Properties["Long"]));
        Assert.Equal(2.0, Assert.IsType<double>(queried.Properties["WholeDouble"]));
        Assert.Equal(bytes, Assert.IsType<byte[]>(queried.Properties["Bin"]));
        Assert.Equal(guid, Assert.IsType<Guid>(queried.Properties["Id"]));
        Assert.Equal(at, Assert.IsType<DateTimeOffset>(queried.Properties["At"]));
        Assert.Equal(read.ETag, queried.ETag);
    }

    [Fact]
    public async Task Query_pages_through_continuation_tokens()
    {
        var pk = Azurite.UniqueName("pk");
        for (var i = 0; i < 7; i++)
        {
            await _store.InsertAsync(_table, Entity(pk, $"r{i:D2}", ("N", i), ("Skip", "x")), Ct);
        }
        await _store.InsertAsync(_table, Entity(pk + "other", "r00", ("N", 99)), Ct);

        var seen = new List<TableEntity>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await _store.QueryAsync(_table, new TableQuery(TableFilter.PartitionKeyEquals(pk), ["N"], Top: 3), continuation, Ct);
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items);
            continuation = page.Continuation;
            pages++;
            Assert.True(pages < 10, "paging did not terminate");
        }
        while (continuation is not null);

        Assert.True(pages >= 3);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"r{i:D2}"), seen.Select(e => e.RowKey));
        Assert.Equal(Enumerable.Range(0, 7), seen.Select(e => e.Properties["N"]).Cast<int>());
        Assert.All(seen, e => Assert.False(e.Properties.ContainsKey("Skip")));
        Assert.All(seen, e => Assert.False(string.IsNullOrEmpty(e.ETag)));
    }

    [Fact]
    public async Task Query_filter_with_quotes_is_escaped()
    {
        var pk = Azurite.UniqueName("pk");
        await _store.InsertAsync(_table, Entity(pk, "a", ("Who", "O'Brien & co")), Ct);
        await _store.InsertAsync(_table, Entity(pk, "b", ("Who", "someone else")), Ct);
        var filter = TableFilter.And(TableFilter.PartitionKeyEquals(pk), "Who eq " + TableFilter.Quote("O'Brien & co"));
        var page = await _store.QueryAsync(_table, new TableQuery(filter), null, Ct);
        Assert.Equal("a", Assert.Single(page.Items).RowKey);
    }

    [Fact]
    public async Task A_wrong_account_key_is_rejected_as_an_error_not_an_outcome()
    {
        var wrongKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        var store = Azurite.CreateTableStore(new Dm3.Adapters.Sdk.AdapterRetry { MaxRetries = 0 }, wrongKey);
        var ex = await Assert.ThrowsAsync<Dm3.Adapters.Http.RemoteServiceException>(() => store.InsertAsync(_table, Entity(Azurite.UniqueName("pk"), "r", ("A", "b")), Ct));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, ex.Status);
        Assert.DoesNotContain(wrongKey, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\u0001b")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    public async Task Keys_with_forbidden_characters_are_rejected_before_sending(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.InsertAsync(_table, Entity(key, "r"), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.GetAsync(_table, "p", key, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.DeleteAsync(_table, key, "r", "*", Ct));
    }

    [Fact]
    public async Task A_missing_table_is_an_error_not_an_outcome()
    {
        var missing = Azurite.UniqueName("missing");
        var ex = await Assert.ThrowsAsync<Dm3.Adapters.Http.RemoteServiceException>(() => _store.GetAsync(missing, "p", "r", Ct));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, ex.Status);
        Assert.Equal("TableNotFound", ex.ErrorCode);
        var delete = await Assert.ThrowsAsync<Dm3.Adapters.Http.RemoteServiceException>(() => _store.DeleteAsync(missing, "p", "r", "*", Ct));
        Assert.Equal("TableNotFound", delete.ErrorCode);
    }

    [Fact]
    public async Task A_foreign_continuation_token_is_rejected()
    {
        Assert.False(Dm3.Adapters.Tables.TableServiceStore.IsValidContinuation("garbage"));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.QueryAsync(_table, new TableQuery(), "garbage", Ct));
    }
}
