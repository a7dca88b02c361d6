using System.Text;
using System.Text.Json;
using Dm3.App.Ccip;
using Dm3.App.Delivery;
using Dm3.App.Diagnostics;
using Dm3.App.Functions;
using Dm3.App.Lsp;
using Dm3.App.Runtime;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Adapters.Queues;
using Dm3.Backend.Ccip;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Dm3.Functions.Ccip;
using Dm3.Functions.Delivery;
using Dm3.Functions.Health;
using Dm3.Functions.Lsp;
using Dm3.Functions.Profiles;
using Dm3.Functions.Runtime;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Functions;

/// <summary>
/// The worker's [Function] classes, newed up and called directly with a real HttpContext (and Azurite), as the model
/// Functions app's tests do: each answers exactly like the standalone route over the same handler.
/// </summary>
public sealed class WorkerFunctionTests(WorkerHost host) : IClassFixture<WorkerHost>
{
    [Fact]
    public async Task Hello_answers_the_dm3_greeting()
    {
        var request = host.Request("GET", "/hello");
        var (status, body) = await WorkerHost.ExecuteAsync(host.Create<DeliveryFunctions>().Hello(request), request);

        Assert.Equal(200, status);
        Assert.Equal("Hello DM3", body);
    }

    [Fact]
    public async Task Rpc_answers_the_delivery_service_properties_and_a_parse_error_as_json_rpc()
    {
        var functions = host.Create<DeliveryFunctions>();
        var request = host.Request("POST", "/rpc", """{"jsonrpc":"2.0","id":7,"method":"dm3_getDeliveryServiceProperties","params":[]}""");
        var (status, body) = await WorkerHost.ExecuteAsync(await functions.RpcAsync(request, CancellationToken.None), request);
        Assert.Equal(200, status);
        using (var answer = JsonDocument.Parse(body))
        {
            Assert.Equal(7, answer.RootElement.GetProperty("id").GetInt32());
            var properties = JsonDocument.Parse(answer.RootElement.GetProperty("result").GetString()!).RootElement;
            Assert.Equal(host.Services.GetRequiredService<Dm3.Backend.Delivery.DeliverySettings>().SizeLimit, properties.GetProperty("sizeLimit").GetInt32());
        }

        var bad = host.Request("POST", "/rpc", "{not json");
        var (badStatus, badBody) = await WorkerHost.ExecuteAsync(await functions.RpcAsync(bad, CancellationToken.None), bad);
        Assert.Equal(400, badStatus);
        Assert.Equal(JsonRpc.ParseError, JsonDocument.Parse(badBody).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Gateway_functions_map_outcomes_like_the_standalone_routes()
    {
        var functions = new GatewayFunctions(host.Services.GetRequiredService<CcipGateway>(), host.Services.GetRequiredService<GatewayOptions>());
        var unknown = host.Request("GET", "/ccip/0x1111111111111111111111111111111111111111/0x9061b923.json");
        var (status, body) = await WorkerHost.ExecuteAsync(
            await functions.GetAsync(unknown, "0x1111111111111111111111111111111111111111", "0x9061b923.json", CancellationToken.None), unknown);
        Assert.Equal(404, status);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(body).RootElement.GetProperty("message").GetString()));

        var malformed = host.Request("POST", "/ccip", "{\"sender\": 5}");
        var (postStatus, _) = await WorkerHost.ExecuteAsync(await functions.PostAsync(malformed, CancellationToken.None), malformed);
        Assert.Equal(400, postStatus);
    }

    [Fact]
    public async Task Resolver_nonce_function_refuses_a_body_that_is_not_json_with_a_problem()
    {
        var request = host.Request("POST", "/resolver/nonces", "[1,2");
        var (status, body) = await WorkerHost.ExecuteAsync(await host.Create<ResolverFunctions>().IssueNonceAsync(request, CancellationToken.None), request);

        Assert.Equal(400, status);
        Assert.Equal("request.invalid_json", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.Equal("application/problem+json", request.HttpContext.Response.ContentType);
    }

    [Fact]
    public async Task Health_reports_the_worker_mode()
    {
        var request = host.Request("GET", "/health");
        var (status, body) = await WorkerHost.ExecuteAsync(await host.Create<HealthFunction>().RunAsync(request, CancellationToken.None), request);

        Assert.Equal(200, status);
        Assert.Equal("functionsWorker", JsonDocument.Parse(body).RootElement.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Deliver_envelope_runs_twice_without_a_processed_record_and_without_failing()
    {
        var functions = host.Create<PipelineFunctions>();
        var id = "worker-" + Guid.NewGuid().ToString("N");
        // A reference to an inbox row that does not exist: the handler completes without an effect.
        var reference = "0x" + new string('a', 64) + "|0x" + new string('b', 40) + "|alice.eth";
        var message = Encoding.UTF8.GetString(PipelineBodies.Json(id, reference, "envelope"));

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await functions.DeliverEnvelopeAsync(message, Context(DeliveryFeature.DeliverFunction, attempt), CancellationToken.None);
        }

        Assert.False(await host.Services.GetRequiredService<IProcessedMessages>().IsCompletedAsync(DeliveryFeature.DeliverFunction, id, CancellationToken.None));
    }

    [Fact]
    public async Task A_malformed_message_goes_to_the_poison_queue_at_once_with_its_reason()
    {
        var functions = host.Create<PipelineFunctions>();
        var names = host.Services.GetRequiredService<StorageNames>();
        var poison = StorageNames.PoisonQueueOf(names.Queue(DeliveryFeature.EnvelopesQueueSetting));
        var messageId = Guid.NewGuid().ToString();

        // Returns normally: the trigger deletes the message instead of retrying what can never succeed.
        await functions.DeliverEnvelopeAsync("{\"id\": 5}", Context(DeliveryFeature.DeliverFunction, 1, messageId), CancellationToken.None);

        var queues = host.Services.GetRequiredService<IStorageQueueClient>();
        var poisoned = await queues.PeekAsync(poison, 32, CancellationToken.None);
        Assert.Contains(poisoned, m => Encoding.UTF8.GetString(Convert.FromBase64String(m.MessageText)) == "{\"id\": 5}");
        var row = await host.Services.GetRequiredService<ITableStore>().GetAsync(names.Table(PoisonRecorder.LogicalTableName), poison, messageId, CancellationToken.None);
        Assert.NotNull(row);
        Assert.Contains("malformed", (string)row!.Properties["Reason"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_handler_throws_so_the_trigger_retries_and_a_later_attempt_completes()
    {
        // The diagnostic handler fails while the attempt number is at most 'fail' (a transient failure, not a malformed message).
        var runner = host.Create<QueueFunctionRunner>();
        var id = "worker-fail-" + Guid.NewGuid().ToString("N");
        var message = Encoding.UTF8.GetString(PipelineBodies.Json(id, "fail=1"));

        var failure = await Assert.ThrowsAsync<QueueFunctionFailedException>(
            () => runner.RunQueueAsync(DiagnosticsFeature.QueueFunctionName, message, Context(DiagnosticsFeature.QueueFunctionName, 1), CancellationToken.None));
        Assert.Contains(DiagnosticsFeature.QueueFunctionName, failure.Message, StringComparison.Ordinal);
        var processed = host.Services.GetRequiredService<IProcessedMessages>();
        Assert.False(await processed.IsCompletedAsync(DiagnosticsFeature.QueueFunctionName, id, CancellationToken.None));

        await runner.RunQueueAsync(DiagnosticsFeature.QueueFunctionName, message, Context(DiagnosticsFeature.QueueFunctionName, 2), CancellationToken.None);
        Assert.True(await processed.IsCompletedAsync(DiagnosticsFeature.QueueFunctionName, id, CancellationToken.None));
    }

    [Fact]
    public async Task A_message_of_another_kind_is_poisoned_at_once_instead_of_retried()
    {
        var functions = host.Create<PipelineFunctions>();
        var id = "worker-kind-" + Guid.NewGuid().ToString("N");
        var message = Encoding.UTF8.GetString(PipelineBodies.Json(id, "r", "not-an-envelope"));
        var names = host.Services.GetRequiredService<StorageNames>();
        var poison = StorageNames.PoisonQueueOf(names.Queue(DeliveryFeature.EnvelopesQueueSetting));
        var messageId = Guid.NewGuid().ToString();

        await functions.DeliverEnvelopeAsync(message, Context(DeliveryFeature.DeliverFunction, 1, messageId), CancellationToken.None);

        var row = await host.Services.GetRequiredService<ITableStore>().GetAsync(names.Table(PoisonRecorder.LogicalTableName), poison, messageId, CancellationToken.None);
        Assert.NotNull(row);
        Assert.Contains("another kind", (string)row!.Properties["Reason"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lsp_nonce_function_issues_a_nonce_and_refuses_an_unknown_app()
    {
        var functions = host.Create<LspFunctions>();
        var issued = host.Request("POST", "/lsp/v1/nonces", "{\"app\": \"worker.eth\", \"purpose\": \"owner\"}");
        var (status, body) = await WorkerHost.ExecuteAsync(await functions.IssueNonceAsync(issued, CancellationToken.None), issued);
        Assert.Equal(201, status);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(body).RootElement.GetProperty("nonce").GetString()));

        var unknown = host.Request("POST", "/lsp/v1/nonces", "{\"app\": \"nobody.eth\", \"purpose\": \"owner\"}");
        var (unknownStatus, unknownBody) = await WorkerHost.ExecuteAsync(await functions.IssueNonceAsync(unknown, CancellationToken.None), unknown);
        Assert.Equal(404, unknownStatus);
        Assert.Equal("unknown_app", JsonDocument.Parse(unknownBody).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Lsp_session_routes_answer_401_without_a_bearer_through_the_functions()
    {
        var functions = host.Create<LspFunctions>();
        var query = host.Request("POST", "/lsp/v1/profiles/query", "{}");
        var (status, body) = await WorkerHost.ExecuteAsync(await functions.QueryAsync(query, CancellationToken.None), query);
        Assert.Equal(401, status);
        Assert.Equal("invalid_session", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());

        var unpublish = host.Request("DELETE", "/lsp/v1/link-records/x", "{}");
        var (unpublishStatus, _) = await WorkerHost.ExecuteAsync(await functions.UnpublishLinkAsync(unpublish, "x", CancellationToken.None), unpublish);
        Assert.Equal(400, unpublishStatus);
    }

    [Fact]
    public async Task Lsp_timers_run_through_the_queue_function_runner()
    {
        var functions = host.Create<LspFunctions>();
        await functions.SweepAsync(new TimerInfo(), Context(LspFeature.SweeperFunction, 1), CancellationToken.None);
        await functions.RewrapAsync(new TimerInfo(), Context(LspFeature.RewrapFunction, 1), CancellationToken.None);
        Assert.NotNull(host.Services.GetRequiredService<FunctionCatalog>().Find(LspFeature.RewrapFunction));
    }

    private TestFunctionContext Context(string function, long dequeueCount, string? messageId = null) =>
        new(function, host.Services, new Dictionary<string, object?>
        {
            ["DequeueCount"] = dequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Id"] = messageId ?? Guid.NewGuid().ToString(),
        });
}
