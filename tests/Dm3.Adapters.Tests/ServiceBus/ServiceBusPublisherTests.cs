using System.Net;
using System.Text.Json;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Http;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.ServiceBus;
using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Messaging;

namespace Dm3.Adapters.Tests.ServiceBus;

public sealed class ServiceBusPublisherTests : IAsyncLifetime
{
    private const string PolicyKey = "c2VjcmV0LXBvbGljeS1rZXktZm9yLXRlc3RzLW9ubHk9";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };
    private readonly HttpClient _http = new();
    private FakeServiceBus _bus = null!;

    public async Task InitializeAsync()
    {
        _bus = await FakeServiceBus.StartAsync();
        _bus.Queues.Add("envelopes");
        _bus.SasPolicy = ("dm3-send", PolicyKey);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _bus.DisposeAsync();
    }

    private ServiceBusPublisher SasPublisher(string key = PolicyKey) =>
        new(_http, ServiceBusOptions.FromConnectionString($"Endpoint=http://{_bus.Endpoint.Authority}/;SharedAccessKeyName=dm3-send;SharedAccessKey={key}") with { Resilience = Fast });

    [Fact]
    public async Task Sas_send_posts_the_message_json_with_its_id_as_message_id()
    {
        var message = new PipelineMessage("01J0ZK3Q8W", "envelope", "inbox/0xabc|h1");
        await SasPublisher().PublishAsync("envelopes", message, Ct);

        var stored = Assert.Single(_bus.Stored);
        Assert.Empty(_bus.Rejections);
        Assert.Equal("envelopes", stored.Queue);
        Assert.Equal("01J0ZK3Q8W", stored.MessageId);
        using var doc = JsonDocument.Parse(stored.Body);
        Assert.Equal("01J0ZK3Q8W", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal("envelope", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("inbox/0xabc|h1", doc.RootElement.GetProperty("ref").GetString());
    }

    [Fact]
    public async Task Resending_the_same_id_is_deduplicated_by_the_broker()
    {
        var publisher = SasPublisher();
        var message = new PipelineMessage("dup-1", "envelope", "r");
        await publisher.PublishAsync("envelopes", message, Ct);
        await publisher.PublishAsync("envelopes", message, Ct);
        Assert.Single(_bus.Stored);
    }

    [Fact]
    public async Task A_wrong_sas_key_is_rejected_with_401_and_not_retried()
    {
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => SasPublisher("d3Jvbmcta2V5").PublishAsync("envelopes", new PipelineMessage("x", "k", "r"), Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.Equal(["401 SAS signature mismatch"], _bus.Rejections);
        Assert.Equal(1, _bus.Requests);
    }

    [Fact]
    public async Task Bearer_send_uses_the_service_bus_scope()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromHours(1));
        _bus.ExpectedBearer = "fake-token-1";
        var publisher = new ServiceBusPublisher(_http, ServiceBusOptions.WithCredential(_bus.Endpoint, credential) with { Resilience = Fast });
        await publisher.PublishAsync("envelopes", new PipelineMessage("b1", "k", "r"), Ct);
        await publisher.PublishAsync("envelopes", new PipelineMessage("b2", "k", "r"), Ct);
        Assert.Equal(2, _bus.Stored.Count);
        Assert.Equal(["https://servicebus.azure.net/.default"], credential.Scopes);
    }

    [Fact]
    public async Task A_503_is_retried_and_the_message_lands_once()
    {
        _bus.FailNextWith503 = 2;
        await SasPublisher().PublishAsync("envelopes", new PipelineMessage("r1", "k", "r"), Ct);
        Assert.Single(_bus.Stored);
        Assert.Equal(3, _bus.Requests);
    }

    [Fact]
    public async Task A_message_over_256_KiB_is_refused_with_413_without_retry()
    {
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() =>
            SasPublisher().PublishAsync("envelopes", new PipelineMessage("big", "k", new string('x', FakeServiceBus.MaxMessageBytes)), Ct));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, ex.Status);
        Assert.Equal(1, _bus.Requests);
        Assert.Empty(_bus.Stored);
    }

    [Fact]
    public async Task A_missing_queue_is_an_error()
    {
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => SasPublisher().PublishAsync("nothere", new PipelineMessage("x", "k", "r"), Ct));
        Assert.Equal(HttpStatusCode.NotFound, ex.Status);
    }

    [Fact]
    public void Sas_token_has_the_documented_shape()
    {
        var authorizer = new ServiceBusSasAuthorizer("RootManageSharedAccessKey", "a2V5");
        var token = authorizer.CreateToken("https://Dm3-SB.servicebus.windows.net/envelopes", 1748772000);
        var expectedSig = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            "a2V5"u8, System.Text.Encoding.UTF8.GetBytes("https%3A%2F%2Fdm3-sb.servicebus.windows.net%2Fenvelopes\n1748772000")));
        Assert.Equal(
            "SharedAccessSignature sr=https%3A%2F%2Fdm3-sb.servicebus.windows.net%2Fenvelopes&sig=" + Uri.EscapeDataString(expectedSig) + "&se=1748772000&skn=RootManageSharedAccessKey",
            token);
    }

    [Theory]
    [InlineData("Endpoint=sb://dm3-sb.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc=", "https://dm3-sb.servicebus.windows.net/")]
    [InlineData("Endpoint=sb://dm3-sb.servicebus.windows.net;SharedAccessKeyName=send;SharedAccessKey=abc;EntityPath=envelopes", "https://dm3-sb.servicebus.windows.net/")]
    public void Connection_strings_map_sb_to_https(string text, string endpoint)
    {
        Assert.True(ServiceBusOptions.TryParseConnectionString(text, out var uri, out var name, out var key, out _));
        Assert.Equal(new Uri(endpoint), uri);
        Assert.Equal("send", name);
        Assert.StartsWith("abc", key, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Endpoint=sb://x/")]
    [InlineData("SharedAccessKeyName=a;SharedAccessKey=b")]
    [InlineData("Endpoint=ftp://x/;SharedAccessKeyName=a;SharedAccessKey=b")]
    public void Bad_connection_strings_are_reported(string text)
    {
        Assert.False(ServiceBusOptions.TryParseConnectionString(text, out _, out _, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-lead")]
    [InlineData("a/b")]
    [InlineData("sp ace")]
    public async Task Invalid_queue_names_are_rejected_before_sending(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => SasPublisher().PublishAsync(name, new PipelineMessage("x", "k", "r"), Ct));
        Assert.Equal(0, _bus.Requests);
    }
}
