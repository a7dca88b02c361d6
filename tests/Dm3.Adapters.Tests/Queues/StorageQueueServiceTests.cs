using System.Text.Json;
using Azure.Storage.Queues;
using Dm3.Adapters.Http;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Messaging;

namespace Dm3.Adapters.Tests.Queues;

public sealed class AzuriteQueueFixture : IAsyncLifetime
{
    public StorageQueueService Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Azurite.EnsureReachable(Azurite.QueueEndpoint);
        Client = Azurite.CreateQueueClient();
        return Task.CompletedTask;
    }

    /// <summary>A fresh queue per test: queue state would otherwise leak between tests.</summary>
    public async Task<string> NewQueueAsync()
    {
        var name = Azurite.UniqueName("q-");
        await Client.CreateQueueIfNotExistsAsync(name, CancellationToken.None);
        return name;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The SDK-backed <see cref="StorageQueueService"/> against Azurite (service version pinned to one Azurite accepts).</summary>
public sealed class StorageQueueServiceTests(AzuriteQueueFixture fixture) : IClassFixture<AzuriteQueueFixture>
{
    private readonly StorageQueueService _client = fixture.Client;
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Create_queue_is_idempotent()
    {
        var queue = await fixture.NewQueueAsync();
        await _client.CreateQueueIfNotExistsAsync(queue, Ct);
    }

    [Fact]
    public async Task Sent_message_is_received_with_its_text_and_dequeue_count_one()
    {
        var queue = await fixture.NewQueueAsync();
        var text = QueueMessageText.FromJson("{\"to\":\"alice.eth\",\"ü\":\"<&>\"}");
        var receipt = await _client.SendAsync(queue, text, null, Ct);
        Assert.False(string.IsNullOrEmpty(receipt.MessageId));

        var received = Assert.Single(await _client.ReceiveAsync(queue, 32, TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(receipt.MessageId, received.MessageId);
        Assert.Equal(text, received.MessageText);
        Assert.Equal(1, received.DequeueCount);
        Assert.True(QueueMessageText.TryDecode(received.MessageText, out var json));
        Assert.Equal("{\"to\":\"alice.eth\",\"ü\":\"<&>\"}", json);
        Assert.True(received.NextVisibleTime > DateTimeOffset.UtcNow.AddSeconds(20));
    }

    [Fact]
    public async Task A_received_message_is_invisible_until_its_timeout_then_visible_again_with_a_higher_dequeue_count()
    {
        var queue = await fixture.NewQueueAsync();
        await _client.SendAsync(queue, QueueMessageText.FromJson("{}"), null, Ct);

        var first = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1), Ct));
        Assert.Empty(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1), Ct));

        var again = await ReceiveEventuallyAsync(queue, TimeSpan.FromSeconds(5));
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(2, again.DequeueCount);
        Assert.NotEqual(first.PopReceipt, again.PopReceipt);

        // The first receipt is stale now.
        Assert.False(await _client.DeleteAsync(queue, first.MessageId, first.PopReceipt, Ct));
        Assert.True(await _client.DeleteAsync(queue, again.MessageId, again.PopReceipt, Ct));
        Assert.Empty(await _client.PeekAsync(queue, 32, Ct));
    }

    [Fact]
    public async Task Delete_of_an_already_deleted_message_is_false()
    {
        var queue = await fixture.NewQueueAsync();
        await _client.SendAsync(queue, QueueMessageText.FromJson("{}"), null, Ct);
        var m = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), Ct));
        Assert.True(await _client.DeleteAsync(queue, m.MessageId, m.PopReceipt, Ct));
        Assert.False(await _client.DeleteAsync(queue, m.MessageId, m.PopReceipt, Ct));
    }

    [Fact]
    public async Task Update_visibility_to_zero_makes_the_message_visible_and_returns_a_new_receipt()
    {
        var queue = await fixture.NewQueueAsync();
        await _client.SendAsync(queue, QueueMessageText.FromJson("{}"), null, Ct);
        var m = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(60), Ct));

        var newReceipt = await _client.UpdateVisibilityAsync(queue, m.MessageId, m.PopReceipt, TimeSpan.Zero, Ct);
        Assert.NotNull(newReceipt);
        Assert.NotEqual(m.PopReceipt, newReceipt);
        Assert.Null(await _client.UpdateVisibilityAsync(queue, m.MessageId, m.PopReceipt, TimeSpan.Zero, Ct));

        var again = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(60), Ct));
        Assert.Equal(m.MessageId, again.MessageId);
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task Update_visibility_extends_the_invisibility()
    {
        var queue = await fixture.NewQueueAsync();
        await _client.SendAsync(queue, QueueMessageText.FromJson("{}"), null, Ct);
        var m = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1), Ct));
        Assert.NotNull(await _client.UpdateVisibilityAsync(queue, m.MessageId, m.PopReceipt, TimeSpan.FromSeconds(60), Ct));
        await Task.Delay(TimeSpan.FromMilliseconds(1600));
        Assert.Empty(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task Peek_does_not_hide_or_count_the_message()
    {
        var queue = await fixture.NewQueueAsync();
        await _client.SendAsync(queue, QueueMessageText.FromJson("{\"a\":1}"), null, Ct);
        var peeked = Assert.Single(await _client.PeekAsync(queue, 5, Ct));
        Assert.Equal(0, peeked.DequeueCount);
        Assert.Equal(QueueMessageText.FromJson("{\"a\":1}"), peeked.MessageText);
        var received = Assert.Single(await _client.ReceiveAsync(queue, 5, TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(peeked.MessageId, received.MessageId);
        Assert.Equal(1, received.DequeueCount);
    }

    [Fact]
    public async Task A_visibility_delay_hides_a_new_message()
    {
        var queue = await fixture.NewQueueAsync();
        var receipt = await _client.SendAsync(queue, QueueMessageText.FromJson("{}"), TimeSpan.FromSeconds(1), Ct);
        Assert.True(receipt.NextVisibleTime > receipt.InsertionTime);
        Assert.Empty(await _client.PeekAsync(queue, 1, Ct));
        var later = await ReceiveEventuallyAsync(queue, TimeSpan.FromSeconds(5));
        Assert.Equal(receipt.MessageId, later.MessageId);
    }

    [Fact]
    public async Task Receive_returns_several_messages_at_once()
    {
        var queue = await fixture.NewQueueAsync();
        for (var i = 0; i < 5; i++)
        {
            await _client.SendAsync(queue, QueueMessageText.FromJson($"{{\"n\":{i}}}"), null, Ct);
        }
        var received = await _client.ReceiveAsync(queue, 32, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(5, received.Count);
        Assert.Equal(5, received.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task A_missing_queue_is_an_error()
    {
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => _client.SendAsync(Azurite.UniqueName("missing-"), "e30=", null, Ct));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, ex.Status);
        Assert.Equal("QueueNotFound", ex.ErrorCode);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("-lead")]
    [InlineData("double--hyphen")]
    [InlineData("under_score")]
    public async Task Invalid_queue_names_are_rejected_before_sending(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.CreateQueueIfNotExistsAsync(name, Ct));
    }

    [Fact]
    public async Task Storage_queue_publisher_puts_base64_of_the_message_json()
    {
        var queue = await fixture.NewQueueAsync();
        var publisher = new StorageQueuePublisher(_client);
        await publisher.PublishAsync(queue, new PipelineMessage("01J0ZK3Q8W", "envelope", "inbox/0xabc|h1"), Ct);

        var m = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), Ct));
        Assert.True(QueueMessageText.TryDecode(m.MessageText, out var json));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("01J0ZK3Q8W", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("envelope", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("inbox/0xabc|h1", doc.RootElement.GetProperty("ref").GetString());
        Assert.Equal(3, doc.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public async Task Messages_agree_with_the_sdk_base64_encoding_the_queue_trigger_uses()
    {
        var queue = await fixture.NewQueueAsync();
        var triggerSide = new QueueClient(Azurite.ConnectionString(), queue,
            new QueueClientOptions(StorageQueueService.Version) { MessageEncoding = QueueMessageEncoding.Base64 });

        // What we publish, a Base64-decoding reader (the Functions trigger) reads as the JSON.
        await new StorageQueuePublisher(_client).PublishAsync(queue, new PipelineMessage("id-1", "diagnostic", "r"), Ct);
        var decoded = Assert.Single((await triggerSide.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30), Ct)).Value);
        Assert.Equal("{\"id\":\"id-1\",\"kind\":\"diagnostic\",\"ref\":\"r\"}", decoded.Body.ToString());
        await triggerSide.DeleteMessageAsync(decoded.MessageId, decoded.PopReceipt, Ct);

        // What a Base64-encoding writer puts, we read and decode the same way.
        await triggerSide.SendMessageAsync(BinaryData.FromString("{\"id\":\"id-2\"}"), cancellationToken: Ct);
        var raw = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), Ct));
        Assert.True(QueueMessageText.TryDecode(raw.MessageText, out var json));
        Assert.Equal("{\"id\":\"id-2\"}", json);
    }

    [Fact]
    public async Task Text_that_is_not_base64_still_arrives_so_the_pump_can_poison_it()
    {
        var queue = await fixture.NewQueueAsync();
        await _client.SendAsync(queue, "not base64 {", null, Ct);
        var m = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), Ct));
        Assert.Equal("not base64 {", m.MessageText);
        Assert.False(QueueMessageText.TryDecode(m.MessageText, out _));
        Assert.True(await _client.DeleteQueueAsync(queue, Ct));
        Assert.False(await _client.DeleteQueueAsync(queue, Ct));
    }

    private async Task<ReceivedQueueMessage> ReceiveEventuallyAsync(string queue, TimeSpan within)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var messages = await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), Ct);
            if (messages.Count > 0)
            {
                return messages[0];
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("The message did not become visible again.");
    }
}

public sealed class QueueMessageTextTests
{
    [Fact]
    public void TryDecode_rejects_text_that_is_not_base64()
    {
        Assert.False(QueueMessageText.TryDecode("{\"a\":1}", out _));
        Assert.False(QueueMessageText.TryDecode(null, out _));
        Assert.True(QueueMessageText.TryDecode(QueueMessageText.FromObject(new { a = 1 }), out var text));
        Assert.Equal("{\"a\":1}", text);
    }
}
