using Dm3.Adapters.Queues;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Logging;
using Dm3.App.Runtime;
using Dm3.Backend.Runtime;
using Dm3.Backend.Signing;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;

namespace Dm3.App.Health;

internal static class HealthEndpoint
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>GET /health in both hosts.</summary>
    public static Task<IResult> HandleAsync(IServiceProvider services, CancellationToken cancellationToken) => HandleAsync(
        services.GetRequiredService<RuntimeSettings>(), services.GetRequiredService<StorageNames>(), services.GetRequiredService<ITableStore>(),
        services.GetRequiredService<IStorageQueueClient>(), services, services.GetRequiredService<ILogger<RuntimeFeature>>(), cancellationToken);

    public static async Task<IResult> HandleAsync(
        RuntimeSettings settings,
        StorageNames names,
        ITableStore tables,
        IStorageQueueClient queues,
        IServiceProvider services,
        ILogger<RuntimeFeature> logger,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        var tableCheck = CheckAsync("tables", logger, async ct =>
            await tables.QueryAsync(names.Table(TableProcessedMessages.LogicalTableName), new TableQuery(Top: 1, Select: ["PartitionKey"]), null, ct).ConfigureAwait(false), timeout.Token);
        Task<Dictionary<string, object?>> queueCheck;
        if (settings.Messaging.Transport == MessagingTransport.StorageQueues && names.Queues.FirstOrDefault() is { Value: { } queue })
        {
            queueCheck = CheckAsync("queues", logger, async ct => await queues.PeekAsync(queue, 1, ct).ConfigureAwait(false), timeout.Token);
        }
        else
        {
            queueCheck = Task.FromResult(new Dictionary<string, object?> { ["status"] = "skipped", ["reason"] = "transport " + settings.Messaging.Transport });
        }
        var signerCheck = SignerCheckAsync(services, logger, timeout.Token);
        var checks = new Dictionary<string, object?>
        {
            ["tables"] = await tableCheck.ConfigureAwait(false),
            ["queues"] = await queueCheck.ConfigureAwait(false),
        };
        var (signerStatus, signer) = await signerCheck.ConfigureAwait(false);
        if (signerStatus is not null)
        {
            checks["gatewaySigner"] = signerStatus;
        }
        var healthy = checks.Values.OfType<Dictionary<string, object?>>().All(c => (string?)c["status"] is "ok" or "skipped");
        var body = new Dictionary<string, object?>
        {
            ["status"] = healthy ? "healthy" : "unhealthy",
            ["mode"] = settings.FunctionsWorker ? "functionsWorker" : "standalone",
            ["transport"] = "storageQueues",
            ["checks"] = checks,
        };
        if (signer is not null)
        {
            body["gatewaySigner"] = new Dictionary<string, object?>
            {
                ["address"] = Ethereum.ToChecksumAddress(signer.Address.Span),
            };
        }
        return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// The gateway signer: a local key is known at once; a Key Vault key is read on first use or by the start-up
    /// warm-up, so until then the check waits (within the health timeout) and reports <c>pending</c> if the read is
    /// still under way — never an address that is not known yet.
    /// </summary>
    private static async Task<(Dictionary<string, object?>? Check, IDigestSigner? Signer)> SignerCheckAsync(IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long Elapsed() => (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        IDigestSigner? signer;
        try
        {
            signer = services.GetService<IDigestSigner>();
        }
        catch (Exception ex)
        {
            Log.HealthCheckFailed(logger, "gatewaySigner", ex.Message);
            return (new Dictionary<string, object?> { ["status"] = "failed", ["error"] = ex.GetType().Name }, null);
        }
        if (signer is not DeferredDigestSigner deferred)
        {
            return (signer is null ? null : new Dictionary<string, object?> { ["status"] = "ok", ["durationMs"] = Elapsed() }, signer);
        }
        try
        {
            var ready = await deferred.GetAsync(cancellationToken).ConfigureAwait(false);
            return (new Dictionary<string, object?> { ["status"] = "ok", ["durationMs"] = Elapsed() }, ready);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && deferred.State == SignerState.Pending)
        {
            return (new Dictionary<string, object?> { ["status"] = "pending", ["durationMs"] = Elapsed() }, null);
        }
        catch (Exception ex)
        {
            Log.HealthCheckFailed(logger, "gatewaySigner", ex.Message);
            return (new Dictionary<string, object?> { ["status"] = "failed", ["error"] = ex.GetType().Name, ["durationMs"] = Elapsed() }, null);
        }
    }

    private static async Task<Dictionary<string, object?>> CheckAsync(string name, ILogger logger, Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await check(cancellationToken).ConfigureAwait(false);
            return new Dictionary<string, object?>
            {
                ["status"] = "ok",
                ["durationMs"] = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            };
        }
        catch (Exception ex)
        {
            Log.HealthCheckFailed(logger, name, ex.Message);
            return new Dictionary<string, object?>
            {
                ["status"] = "failed",
                ["error"] = ex is OperationCanceledException ? "timeout" : ex.GetType().Name,
                ["durationMs"] = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            };
        }
    }
}
