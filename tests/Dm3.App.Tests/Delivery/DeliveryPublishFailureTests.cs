using System.Net;
using Dm3.App.Tests.Delivery.Support;
using Dm3.Backend.Messaging;

namespace Dm3.App.Tests.Delivery;

/// <summary>The real publisher, made to fail on demand (a broker outage after the inbox insert).</summary>
internal sealed class FailingPublisher(IPipelinePublisher inner) : IPipelinePublisher
{
    private int _failing;

    public bool Failing
    {
        get => Volatile.Read(ref _failing) != 0;
        set => Volatile.Write(ref _failing, value ? 1 : 0);
    }

    public Task PublishAsync(string queueName, PipelineMessage message, CancellationToken cancellationToken) =>
        Failing ? throw new InvalidOperationException("publisher unavailable (test)") : inner.PublishAsync(queueName, message, cancellationToken);

    public Task PublishDelayedAsync(string queueName, PipelineMessage message, TimeSpan visibilityDelay, CancellationToken cancellationToken) =>
        Failing ? throw new InvalidOperationException("publisher unavailable (test)") : inner.PublishDelayedAsync(queueName, message, visibilityDelay, cancellationToken);
}

public sealed class DeliveryPublishFailureFixture : IAsyncLifetime
{
    public DeliveryPublishFailureFixture() =>
        Host = new DeliveryHost(pump: false, decoratePublisher: inner => Publisher = new FailingPublisher(inner));

    internal DeliveryHost Host { get; }

    internal FailingPublisher Publisher { get; private set; } = null!;

    internal HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Host.CreateClient();
        await Host.WaitForStorageAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>decisions §6: an envelope is accepted only when it is both stored and announced; a failed announcement leaves nothing.</summary>
public sealed class DeliveryPublishFailureTests(DeliveryPublishFailureFixture fixture) : IClassFixture<DeliveryPublishFailureFixture>
{
    private DeliveryHost Host => fixture.Host;

    [Fact]
    public async Task A_failed_announcement_removes_the_pending_row_it_inserted_and_a_retry_is_accepted()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(fixture.Client, alice);
        await DeliveryKit.RegisterAsync(fixture.Client, bob);
        var envelope = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "announce me");
        var call = DeliveryKit.SubmitCall(envelope.Json.ToJsonString());
        var row = $"PartitionKey eq '{bob.Address}' and RowKey eq '{alice.Name}|{envelope.MessageHash}'";

        fixture.Publisher.Failing = true;
        var (failedStatus, failedBody) = await DeliveryKit.RpcAsync(fixture.Client, call);

        Assert.Equal((HttpStatusCode.InternalServerError, -32000), (failedStatus, DeliveryKit.ErrorCode(failedBody)));
        Assert.Empty(await Host.RowsAsync("Inbox", row));

        fixture.Publisher.Failing = false;
        var (status, body) = await DeliveryKit.RpcAsync(fixture.Client, call);

        Assert.Equal((HttpStatusCode.OK, "OK"), (status, (string?)body["result"]));
        Assert.Equal("pending", Assert.Single(await Host.RowsAsync("Inbox", row)).GetString("State"));
    }

    [Fact]
    public async Task A_failed_re_announcement_of_an_earlier_pending_row_leaves_that_row_in_place()
    {
        var (alice, bob) = (new TestUser(), new TestUser());
        await DeliveryKit.RegisterAsync(fixture.Client, alice);
        await DeliveryKit.RegisterAsync(fixture.Client, bob);
        var envelope = DeliveryKit.Envelope(alice, bob, Host.DsEncryptionPublicKey, text: "first attempt stored");
        var call = DeliveryKit.SubmitCall(envelope.Json.ToJsonString());
        Assert.Equal("OK", (string?)(await DeliveryKit.RpcAsync(fixture.Client, call)).Body["result"]);

        fixture.Publisher.Failing = true;
        try
        {
            Assert.Equal(-32000, DeliveryKit.ErrorCode((await DeliveryKit.RpcAsync(fixture.Client, call)).Body));
        }
        finally
        {
            fixture.Publisher.Failing = false;
        }

        Assert.Single(await Host.RowsAsync("Inbox", $"PartitionKey eq '{bob.Address}' and RowKey eq '{alice.Name}|{envelope.MessageHash}'"));
    }
}
