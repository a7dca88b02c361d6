using System.Net;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery.Support;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Delivery;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Delivery;

public sealed class DeliveryFlowFixture : IAsyncLifetime
{
    internal DeliveryHost Host { get; } = new(pump: true, new Dictionary<string, string?> { ["DeliveryService__MessageTtlMs"] = "600000" });

    internal HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Host.CreateClient();
        await Host.WaitForStorageAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Submit → queue → DeliverEnvelope → inbox → fetch (paged) → acknowledge, and the TTL sweeper, with the real pump.</summary>
public sealed class DeliveryFlowTests(DeliveryFlowFixture fixture) : IClassFixture<DeliveryFlowFixture>
{
    private HttpClient Client => fixture.Client;

    private DeliveryHost Host => fixture.Host;

    [Fact]
    public async Task A_delivered_envelope_carries_decrypted_delivery_information_and_a_valid_postmark_until_acknowledged()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        var bobToken = await DeliveryKit.RegisterAsync(Client, bob);
        var envelope = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "hello bob");
        var before = Host.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        var (status, _) = await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, status);
        var delivered = await WaitForInboxAsync(bob, bobToken, 1);

        var stored = EncryptionEnvelope.Parse(delivered[0]!.ToJsonString());
        Assert.Equal(envelope.Message, stored.Message);
        Assert.Equal(envelope.MessageHash, stored.MessageHash);
        Assert.Equal(new DeliveryInformation(bob.Name, alice.Name), stored.Metadata.DeliveryInformation);
        Assert.Equal(envelope.Metadata.Signature, stored.Metadata.Signature);
        Assert.True(stored.TryDecryptMessage(bob.Keys.EncryptionPrivateKey, out var message, out _));
        Assert.Equal("hello bob", message.Text);
        Assert.True(Postmarker.TryOpen(stored, bob.Keys.EncryptionPrivateKey, out var postmark, out _));
        Assert.True(postmark.VerifySignature(Host.DsSigningPublicKey));
        Assert.True(postmark.Matches(envelope.Message));
        Assert.InRange(postmark.IncommingTimestamp, before, Host.Clock.GetUtcNow().ToUnixTimeMilliseconds());
        var row = Assert.Single(await Host.RowsAsync("Inbox", $"PartitionKey eq '{bob.Address}'"));
        Assert.Equal((alice.Name + "|" + envelope.MessageHash, "delivered"), (row.RowKey, row.GetString("State")));

        Assert.Equal(HttpStatusCode.OK, await DeliveryKit.AcknowledgeAsync(Client, bob, bobToken, (alice.Name.ToUpperInvariant(), envelope.MessageHash)));
        Assert.Empty((await DeliveryKit.IncomingAsync(Client, bob, bobToken)).Envelopes!);
        Assert.Empty(await Host.RowsAsync("Inbox", $"PartitionKey eq '{bob.Address}'"));
        // Idempotent: acknowledging again is fine.
        Assert.Equal(HttpStatusCode.OK, await DeliveryKit.AcknowledgeAsync(Client, bob, bobToken, (alice.Name, envelope.MessageHash)));
    }

    [Fact]
    public async Task A_large_envelope_is_stored_across_several_table_properties_and_read_back_intact()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        var token = await DeliveryKit.RegisterAsync(Client, bob);
        var text = string.Concat(Enumerable.Range(0, 15000).Select(i => "é" + (i % 10)));
        var envelope = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: text);
        Assert.InRange(envelope.Size, 40_000, 100_000);

        Assert.Equal("OK", (string?)(await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()))).Body["result"]);
        var delivered = await WaitForInboxAsync(bob, token, 1);

        var stored = EncryptionEnvelope.Parse(delivered[0]!.ToJsonString());
        Assert.Equal(envelope.Message, stored.Message);
        Assert.True(stored.TryDecryptMessage(bob.Keys.EncryptionPrivateKey, out var message, out _));
        Assert.Equal(text, message.Text);
        var row = Assert.Single(await Host.RowsAsync("Inbox", $"PartitionKey eq '{bob.Address}'"));
        Assert.Equal("delivered", row.GetString("State"));
        Assert.NotNull(row.GetString("Envelope_1"));
        Assert.All(row.Properties.Values.OfType<string>(), v => Assert.True(v.Length <= 30_000));
    }

    [Fact]
    public async Task Link_protocol_messages_are_routed_like_any_other_envelope()
    {
        var (lsp, main) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, lsp);
        var token = await DeliveryKit.RegisterAsync(Client, main);
        var types = new[] { MessageType.Link, MessageType.LinkRecover, MessageType.LinkAccept };
        foreach (var type in types)
        {
            var envelope = DeliveryKit.Envelope(lsp, main, Host.DsEncryptionPublicKey, text: "dm3 service message (" + type + ")", type: type);
            Assert.Equal("OK", (string?)(await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()))).Body["result"]);
        }

        var delivered = await WaitForInboxAsync(main, token, 3);
        var received = delivered.Select(e => EncryptionEnvelope.Parse(e!.ToJsonString()).TryDecryptMessage(main.Keys.EncryptionPrivateKey, out var m, out _) ? m.Metadata.Type : MessageType.New);
        Assert.Equal(types.OrderBy(t => t), received.OrderBy(t => t));
    }

    [Fact]
    public async Task Incoming_messages_are_paged_in_arrival_order_with_an_opaque_cursor()
    {
        var (alice, carol, bob) = (new TestUser(), new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        await DeliveryKit.RegisterAsync(Client, carol);
        var token = await DeliveryKit.RegisterAsync(Client, bob);
        var hashes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var envelope = DeliveryKit.Envelope(i % 2 == 0 ? carol : alice, bob, Host.DsEncryptionPublicKey, text: "m" + i);
            await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()));
            hashes.Add(envelope.MessageHash);
            Host.Clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        await WaitForInboxAsync(bob, token, 5);
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (status, page, next) = await DeliveryKit.IncomingAsync(Client, bob, token, "?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Equal(HttpStatusCode.OK, status);
            seen.AddRange(page!.Select(e => (string)e!["metadata"]!["messageHash"]!));
            cursor = next;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(hashes, seen);
        Assert.Equal(3, pages);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeliveryKit.IncomingAsync(Client, bob, token, "?limit=0")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeliveryKit.IncomingAsync(Client, bob, token, "?limit=1001")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeliveryKit.IncomingAsync(Client, bob, token, "?cursor=not-ours")).Status);
    }

    [Fact]
    public async Task Envelopes_arriving_in_the_same_millisecond_are_paged_once_each_in_key_order_across_cursors()
    {
        var (alice, carol, bob) = (new TestUser(), new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        await DeliveryKit.RegisterAsync(Client, carol);
        var token = await DeliveryKit.RegisterAsync(Client, bob);
        var early = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "early");
        await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(early.Json.ToJsonString()));
        await WaitForInboxAsync(bob, token, 1);
        Host.Clock.Advance(TimeSpan.FromMilliseconds(5));
        // Six envelopes with one arrival time (the test clock stands still): their order is the row key, sender|hash.
        var same = Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? alice : carol, DeliveryKit.Envelope(i % 2 == 0 ? alice : carol, bob, Host.DsEncryptionPublicKey, text: "same ms " + i))).ToList();
        foreach (var (_, envelope) in same)
        {
            await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()));
        }

        await WaitForInboxAsync(bob, token, 7);
        var expected = new[] { early.MessageHash }
            .Concat(same.OrderBy(p => p.Item1.Name + "|" + p.Item2.MessageHash, StringComparer.Ordinal).Select(p => p.Item2.MessageHash))
            .ToList();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var (status, page, next) = await DeliveryKit.IncomingAsync(Client, bob, token, "?limit=3" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Equal(HttpStatusCode.OK, status);
            seen.AddRange(page!.Select(e => (string)e!["metadata"]!["messageHash"]!));
            cursor = next;
        }
        while (cursor is not null);

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task A_cursor_survives_acknowledgements_between_pages()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        var token = await DeliveryKit.RegisterAsync(Client, bob);
        var hashes = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var envelope = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "ack between pages " + i);
            await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()));
            hashes.Add(envelope.MessageHash);
            Host.Clock.Advance(TimeSpan.FromMilliseconds(3));
        }

        await WaitForInboxAsync(bob, token, 4);
        var (_, first, cursor) = await DeliveryKit.IncomingAsync(Client, bob, token, "?limit=2");
        Assert.Equal(hashes[..2], first!.Select(e => (string)e!["metadata"]!["messageHash"]!));
        Assert.Equal(HttpStatusCode.OK, await DeliveryKit.AcknowledgeAsync(Client, bob, token, (alice.Name, hashes[0]), (alice.Name, hashes[1]), (alice.Name, hashes[2])));

        var (_, second, last) = await DeliveryKit.IncomingAsync(Client, bob, token, "?limit=2&cursor=" + cursor);
        Assert.Equal(new[] { hashes[3] }, second!.Select(e => (string)e!["metadata"]!["messageHash"]!));
        Assert.Null(last);
    }

    [Fact]
    public async Task A_malformed_acknowledgement_body_is_refused()
    {
        var bob = new TestUser();
        var token = await DeliveryKit.RegisterAsync(Client, bob);
        var badHash = await DeliveryKit.AcknowledgeAsync(Client, bob, token, ("alice.eth", "0x1234"));
        var response = await Client.SendAsync(DeliveryKit.Authorized(HttpMethod.Post, $"/delivery/messages/{bob.Name}/syncAcknowledgements/", token, DeliveryKit.Json("{\"acks\":[]}")));

        Assert.Equal(HttpStatusCode.BadRequest, badHash);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_sweeper_removes_envelopes_older_than_the_message_ttl()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(Client, alice);
        var token = await DeliveryKit.RegisterAsync(Client, bob);
        var old = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "old");
        await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(old.Json.ToJsonString()));
        await WaitForInboxAsync(bob, token, 1);

        // An envelope accepted but never announced (its announcement failed and nobody retried): pending for good.
        var stranded = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "stranded");
        var inbox = Host.Services.GetRequiredService<InboxStore>();
        Assert.Equal(AcceptStatus.Accepted, await inbox.AcceptAsync(new EnvelopeRef(stranded.MessageHash, bob.Address, alice.Name), stranded.CanonicalJson,
            new DeliveryInformation(bob.Name, alice.Name).ToCanonicalJson(), bob.Name, Host.Clock.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None));

        Host.Clock.Advance(TimeSpan.FromMinutes(9));
        var fresh = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "fresh");
        await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(fresh.Json.ToJsonString()));
        token = await DeliveryKit.TokenAsync(Client, bob);
        await WaitForInboxAsync(bob, token, 2);
        Host.Clock.Advance(TimeSpan.FromMinutes(2));

        using var scope = Host.Services.CreateScope();
        var result = await scope.ServiceProvider.GetRequiredService<SweeperHandler>().SweepAsync(CancellationToken.None);

        Assert.True(result.InboxEnvelopes >= 1);
        Assert.True(result.PendingEnvelopes >= 1);
        Assert.Empty(await Host.RowsAsync("Inbox", $"RowKey eq '{alice.Name}|{stranded.MessageHash}'"));
        var remaining = (await DeliveryKit.IncomingAsync(Client, bob, token)).Envelopes!;
        Assert.Equal(fresh.MessageHash, (string)Assert.Single(remaining)!["metadata"]!["messageHash"]!);
        Assert.Equal(alice.Name + "|" + fresh.MessageHash, Assert.Single(await Host.RowsAsync("Inbox", $"PartitionKey eq '{bob.Address}'")).RowKey);
    }

    private async Task<JsonArray> WaitForInboxAsync(TestUser user, string token, int count) =>
        await TestStorage.EventuallyAsync(async () =>
        {
            var (_, envelopes, _) = await DeliveryKit.IncomingAsync(Client, user, token);
            return envelopes is not null && envelopes.Count >= count ? envelopes : null;
        }, TimeSpan.FromSeconds(20), $"{count} envelope(s) in the inbox");
}
