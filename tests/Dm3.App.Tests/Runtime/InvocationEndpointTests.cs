using System.Net;
using System.Text.Json;
using Dm3.Adapters.Tables;
using Dm3.App.Diagnostics;
using Dm3.App.Tests.Runtime.Support;
using Microsoft.AspNetCore.Http;

namespace Dm3.App.Tests.Runtime;

/// <summary>The custom-handler invocation protocol, driven with the exact payloads the Functions host sends.</summary>
public sealed class InvocationEndpointTests : IAsyncLifetime
{
    private readonly RuntimeAppFactory _app = new("inv", customHandler: true);
    private readonly HttpClient _http = new();
    private TableServiceStore _tables = null!;

    public async Task InitializeAsync()
    {
        _ = _app.Server;
        await _app.WaitForStorageAsync();
        _tables = TestStorage.Tables(_http);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Storage_queue_trigger_payload_runs_the_handler_and_answers_in_the_host_shape()
    {
        var id = "sq-" + Guid.NewGuid().ToString("N");
        var context = await InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, HostPayloads.PipelineBody(id, ""), dequeueCount: 1));

        var body = await AssertHostReplyAsync(context, HttpStatusCode.OK);
        Assert.Contains(id, body.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await EffectCountAsync(id));
    }

    [Fact]
    public async Task Service_bus_trigger_payload_runs_the_handler_and_answers_in_the_host_shape()
    {
        var id = "sb-" + Guid.NewGuid().ToString("N");
        var context = await InvokeAsync(HostPayloads.ServiceBus(DiagnosticsFeature.QueueFunctionName, HostPayloads.PipelineBody(id, ""), deliveryCount: 1));

        await AssertHostReplyAsync(context, HttpStatusCode.OK);
        Assert.Equal(1, await EffectCountAsync(id));
        var attempts = await _tables.QueryAsync(_app.Table(DiagnosticsFeature.AttemptsTable), new Dm3.Backend.Storage.TableQuery(Dm3.Backend.Storage.TableFilter.PartitionKeyEquals(id)), null, default);
        var attempt = Assert.Single(attempts.Items);
        Assert.Equal(1, attempt.GetInt64("DequeueCount"));
        Assert.Equal("inv-sb-1", attempt.GetString("InvocationId"));
    }

    [Fact]
    public async Task A_redelivered_completed_id_answers_success_without_running_the_handler_again()
    {
        var id = "dup-" + Guid.NewGuid().ToString("N");
        var body = HostPayloads.PipelineBody(id, "");
        await AssertHostReplyAsync(await InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, body, 1)), HttpStatusCode.OK);

        // The same pipeline id again (another queue message, e.g. a duplicate publish), then via Service Bus.
        var second = await AssertHostReplyAsync(await InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, body, 1)), HttpStatusCode.OK);
        await AssertHostReplyAsync(await InvokeAsync(HostPayloads.ServiceBus(DiagnosticsFeature.QueueFunctionName, body, 2)), HttpStatusCode.OK);

        Assert.Contains("already processed", second.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await EffectCountAsync(id));
        var attempts = await _tables.QueryAsync(_app.Table(DiagnosticsFeature.AttemptsTable), new Dm3.Backend.Storage.TableQuery(Dm3.Backend.Storage.TableFilter.PartitionKeyEquals(id)), null, default);
        Assert.Single(attempts.Items);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_id_run_the_handler_once()
    {
        var id = "conc-" + Guid.NewGuid().ToString("N");
        var body = HostPayloads.PipelineBody(id, "sleep=1000");

        var replies = await Task.WhenAll(
            InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, body, 1)),
            InvokeAsync(HostPayloads.ServiceBus(DiagnosticsFeature.QueueFunctionName, body, 1)),
            InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, body, 2)));

        foreach (var reply in replies)
        {
            await AssertHostReplyAsync(reply, HttpStatusCode.OK);
        }
        Assert.Equal(1, await EffectCountAsync(id));
        var attempts = await _tables.QueryAsync(_app.Table(DiagnosticsFeature.AttemptsTable), new Dm3.Backend.Storage.TableQuery(Dm3.Backend.Storage.TableFilter.PartitionKeyEquals(id)), null, default);
        Assert.Single(attempts.Items);
    }

    [Fact]
    public async Task A_failing_handler_answers_non_2xx_json_so_the_host_retries_and_the_retry_succeeds()
    {
        var id = "fail-" + Guid.NewGuid().ToString("N");
        var body = HostPayloads.PipelineBody(id, "fail=1");

        var failed = await AssertHostReplyAsync(await InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, body, 1)), HttpStatusCode.InternalServerError);
        Assert.Contains("diagnostic failure on attempt 1", failed.GetProperty("Error").GetString(), StringComparison.Ordinal);
        Assert.Null(await EffectCountOrNullAsync(id));

        await AssertHostReplyAsync(await InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, body, 2)), HttpStatusCode.OK);
        Assert.Equal(1, await EffectCountAsync(id));
    }

    [Fact]
    public async Task A_malformed_pipeline_message_is_refused_with_a_json_error()
    {
        var notJson = await AssertHostReplyAsync(
            await InvokeAsync(HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, "{\"id\":1}"u8.ToArray(), 1)), HttpStatusCode.BadRequest);
        Assert.Contains("'id' is not a string", notJson.GetProperty("Error").GetString(), StringComparison.Ordinal);

        var badEnvelope = await AssertHostReplyAsync(await InvokeAsync("{\"Metadata\":{}}"u8.ToArray()), HttpStatusCode.BadRequest);
        Assert.Contains("no Data object", badEnvelope.GetProperty("Error").GetString(), StringComparison.Ordinal);

        var garbage = await AssertHostReplyAsync(await InvokeAsync("not json"u8.ToArray()), HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", garbage.GetProperty("Error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("203.0.113.7")]
    [InlineData("2001:db8::1")]
    public async Task Invocation_endpoints_refuse_non_loopback_callers(string address)
    {
        var id = "remote-" + Guid.NewGuid().ToString("N");
        var context = await _app.SendFromAsync(IPAddress.Parse(address), "POST", "/" + DiagnosticsFeature.QueueFunctionName,
            HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, HostPayloads.PipelineBody(id, ""), 1));

        await AssertHostReplyAsync(context, HttpStatusCode.Forbidden);
        Assert.Null(await EffectCountOrNullAsync(id));
    }

    [Fact]
    public async Task Invocation_endpoints_refuse_callers_without_a_known_address()
    {
        var context = await _app.SendFromAsync(null, "POST", "/" + DiagnosticsFeature.QueueFunctionName,
            HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, HostPayloads.PipelineBody("x" + Guid.NewGuid().ToString("N"), ""), 1));
        await AssertHostReplyAsync(context, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("127.0.0.2")]
    public async Task Invocation_endpoints_accept_every_loopback_form(string address)
    {
        var id = "lo-" + Guid.NewGuid().ToString("N");
        var context = await _app.SendFromAsync(IPAddress.Parse(address), "POST", "/" + DiagnosticsFeature.QueueFunctionName,
            HostPayloads.StorageQueue(DiagnosticsFeature.QueueFunctionName, HostPayloads.PipelineBody(id, ""), 1));
        await AssertHostReplyAsync(context, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Timer_trigger_payload_runs_the_timer_handler()
    {
        var context = await InvokeAsync(HostPayloads.Timer(DiagnosticsFeature.TimerFunctionName, isPastDue: true), DiagnosticsFeature.TimerFunctionName, "inv-timer-1");
        await AssertHostReplyAsync(context, HttpStatusCode.OK);

        var ticks = await _tables.QueryAsync(_app.Table(DiagnosticsFeature.TicksTable), new Dm3.Backend.Storage.TableQuery(), null, default);
        var tick = Assert.Single(ticks.Items, t => t.RowKey.EndsWith("-inv-timer-1", StringComparison.Ordinal));
        Assert.True(tick.GetBool("IsPastDue"));
    }

    [Fact]
    public async Task Forwarded_http_routes_are_served_in_custom_handler_mode()
    {
        using var client = _app.CreateClient();
        var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("customHandler", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("mode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    private Task<HttpContext> InvokeAsync(byte[] payload, string function = DiagnosticsFeature.QueueFunctionName, string? invocationId = null)
    {
        var id = invocationId ?? (payload.AsSpan().IndexOf("DeliveryCount"u8) >= 0 ? "inv-sb-1" : "inv-" + Guid.NewGuid().ToString("N"));
        return _app.SendFromAsync(IPAddress.Loopback, "POST", "/" + function, payload, HostPayloads.Headers(id));
    }

    /// <summary>Every reply is a JSON object with Outputs, Logs and ReturnValue, and the expected status.</summary>
    internal static async Task<JsonElement> AssertHostReplyAsync(HttpContext context, HttpStatusCode expected)
    {
        Assert.Equal((int)expected, context.Response.StatusCode);
        Assert.StartsWith("application/json", context.Response.ContentType, StringComparison.Ordinal);
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.False(string.IsNullOrWhiteSpace(text));
        var root = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, root.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("Logs").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ReturnValue").ValueKind);
        return root;
    }

    private async Task<long?> EffectCountOrNullAsync(string id) =>
        (await _tables.GetAsync(_app.Table(DiagnosticsFeature.EffectsTable), "effect", id, default))?.GetInt64("Count");

    private async Task<long> EffectCountAsync(string id) =>
        await EffectCountOrNullAsync(id) ?? throw new Xunit.Sdk.XunitException($"no effect row for {id}");
}
