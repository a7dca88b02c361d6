using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Dm3.Adapters.Http;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Sdk;
using Dm3.Adapters.Tables;
using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Storage;
using TableEntity = Dm3.Backend.Storage.TableEntity;
using Microsoft.AspNetCore.Http;

namespace Dm3.Adapters.Tests.Sdk;

/// <summary>
/// What our SDK configuration (<see cref="AdapterRetry"/>, credentials) does on the wire, against loopback servers
/// that answer like the storage service: bearer tokens for the storage scope (over TLS, as the SDK requires),
/// retries of transient statuses only, Retry-After honoured, hung attempts cut by the attempt timeout.
/// </summary>
public sealed class SdkPipelineTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly AdapterRetry Fast = new() { MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), AttemptTimeout = TimeSpan.FromSeconds(10) };
    private static readonly TableEntity Entity = new("p", "r", new Dictionary<string, object?> { ["A"] = "b" });
    private const string StorageScope = "https://storage.azure.com/.default";

    private static async Task WriteStatus(HttpContext ctx, int status, string? errorCode = null)
    {
        ctx.Response.StatusCode = status;
        if (errorCode is not null)
        {
            ctx.Response.Headers["x-ms-error-code"] = errorCode;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"odata.error\":{\"code\":\"" + errorCode + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"fake\"}}}");
        }
    }

    private static Task Created(HttpContext ctx)
    {
        ctx.Response.Headers.ETag = "W/\"datetime'2025-06-01T10%3A00%3A00Z'\"";
        ctx.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    /// <summary>A table store on a loopback server with SharedKey auth (http), counting the requests.</summary>
    private static async Task<(TableServiceStore Store, LoopbackServer Server, Func<int> Count)> TableServerAsync(Func<int, HttpContext, Task> respond, AdapterRetry? retry = null)
    {
        var count = 0;
        var server = await LoopbackServer.StartAsync(ctx => respond(Interlocked.Increment(ref count), ctx));
        var client = new TableServiceClient(new Uri(server.BaseAddress, "acct"), new TableSharedKeyCredential("acct", Convert.ToBase64String(new byte[32])),
            TableServiceStore.CreateOptions(retry ?? Fast));
        return (new TableServiceStore(client), server, () => Volatile.Read(ref count));
    }

    private static TableClientOptions TlsTableOptions()
    {
        var options = TableServiceStore.CreateOptions(Fast);
        options.Transport = LoopbackServer.CreateTransport();
        return options;
    }

    [Fact]
    public async Task Bearer_path_sends_the_credentials_token_for_the_storage_scope_and_caches_it()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromHours(1));
        var seen = new List<string>();
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            var auth = ctx.Request.Headers.Authorization.ToString();
            lock (seen)
            {
                seen.Add(auth);
            }
            if (auth != "Bearer " + credential.CurrentToken)
            {
                await WriteStatus(ctx, 401, "AuthenticationFailed");
                return;
            }
            await Created(ctx);
        }, https: true);
        var store = new TableServiceStore(new TableServiceClient(new Uri(server.BaseAddress, "acct"), credential, TlsTableOptions()));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TableWriteStatus.Ok, (await store.InsertAsync("profiles", Entity, Ct)).Status);
        }
        Assert.Equal(1, credential.Issued);
        Assert.All(credential.Scopes, s => Assert.Equal(StorageScope, s));
        Assert.Equal(["Bearer fake-token-1", "Bearer fake-token-1", "Bearer fake-token-1"], seen);
    }

    [Fact]
    public async Task An_expired_token_is_never_sent_each_request_gets_a_fresh_one()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromSeconds(-1));
        var seen = new List<string>();
        await using var server = await LoopbackServer.StartAsync(ctx =>
        {
            lock (seen)
            {
                seen.Add(ctx.Request.Headers.Authorization.ToString());
            }
            return Created(ctx);
        }, https: true);
        var store = new TableServiceStore(new TableServiceClient(new Uri(server.BaseAddress, "acct"), credential, TlsTableOptions()));

        for (var i = 0; i < 3; i++)
        {
            await store.InsertAsync("profiles", Entity, Ct);
        }
        Assert.Equal(3, credential.Issued);
        Assert.Equal(["Bearer fake-token-1", "Bearer fake-token-2", "Bearer fake-token-3"], seen);
    }

    [Fact]
    public async Task Bearer_tokens_are_refused_over_plain_http()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromHours(1));
        var (_, server, count) = await TableServerAsync((_, ctx) => Created(ctx));
        await using var _ = server;
        var store = new TableServiceStore(new TableServiceClient(new Uri(server.BaseAddress, "acct"), credential, TableServiceStore.CreateOptions(Fast)));
        await Assert.ThrowsAnyAsync<Exception>(() => store.InsertAsync("profiles", Entity, Ct));
        Assert.Equal(0, credential.Issued);
        Assert.Equal(0, count());
    }

    [Fact]
    public async Task Queue_client_bearer_path_is_rejected_without_the_right_token_and_not_retried()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromHours(1));
        var count = 0;
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            Interlocked.Increment(ref count);
            ctx.Response.StatusCode = 403;
            ctx.Response.Headers["x-ms-error-code"] = "AuthorizationPermissionMismatch";
            ctx.Response.ContentType = "application/xml";
            await ctx.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>no</Message></Error>");
        }, https: true);
        var options = StorageQueueService.CreateOptions(Fast);
        options.Transport = LoopbackServer.CreateTransport();
        var queues = new StorageQueueService(new QueueServiceClient(new Uri(server.BaseAddress, "acct"), credential, options));

        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => queues.SendAsync("envelopes", "e30=", null, Ct));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Status);
        Assert.Equal("AuthorizationPermissionMismatch", ex.ErrorCode);
        Assert.Equal(1, count);
        Assert.Equal([StorageScope], credential.Scopes.Distinct());
        Assert.DoesNotContain("fake-token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_503_is_retried_and_the_next_success_is_returned()
    {
        var (store, server, count) = await TableServerAsync((n, ctx) => n == 1 ? WriteStatus(ctx, 503, "ServerBusy") : Created(ctx));
        await using var _ = server;
        Assert.Equal(TableWriteStatus.Ok, (await store.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.Equal(2, count());
    }

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Transient_statuses_are_retried_until_the_limit_then_fail(int status)
    {
        var (store, server, count) = await TableServerAsync((_, ctx) => WriteStatus(ctx, status, "Transient"));
        await using var _ = server;
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => store.InsertAsync("profiles", Entity, Ct));
        Assert.Equal((HttpStatusCode)status, ex.Status);
        Assert.Equal(1 + Fast.MaxRetries, count());
    }

    [Fact]
    public async Task A_409_is_an_outcome_and_is_not_retried()
    {
        var (store, server, count) = await TableServerAsync((_, ctx) => WriteStatus(ctx, 409, "EntityAlreadyExists"));
        await using var _ = server;
        Assert.Equal(TableWriteStatus.Conflict, (await store.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.Equal(1, count());
    }

    [Fact]
    public async Task A_404_and_a_412_are_outcomes_and_are_not_retried()
    {
        var (store, server, count) = await TableServerAsync((n, ctx) => n == 1 ? WriteStatus(ctx, 404, "ResourceNotFound") : WriteStatus(ctx, 412, "UpdateConditionNotSatisfied"));
        await using var _ = server;
        Assert.Equal(TableWriteStatus.NotFound, (await store.UpdateAsync("profiles", Entity, "*", Backend.Storage.TableUpdateMode.Replace, Ct)).Status);
        Assert.Equal(TableWriteStatus.PreconditionFailed, (await store.UpdateAsync("profiles", Entity, "W/\"x\"", Backend.Storage.TableUpdateMode.Merge, Ct)).Status);
        Assert.Equal(2, count());
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Other_4xx_statuses_throw_without_retry(int status)
    {
        var (store, server, count) = await TableServerAsync((_, ctx) => WriteStatus(ctx, status, "Refused"));
        await using var _ = server;
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => store.InsertAsync("profiles", Entity, Ct));
        Assert.Equal((HttpStatusCode)status, ex.Status);
        Assert.Equal("Refused", ex.ErrorCode);
        Assert.Equal(1, count());
    }

    [Fact]
    public async Task A_429_waits_for_retry_after()
    {
        var (store, server, count) = await TableServerAsync(async (n, ctx) =>
        {
            if (n == 1)
            {
                ctx.Response.Headers.RetryAfter = "1";
                await WriteStatus(ctx, 429, "TooManyRequests");
                return;
            }
            await Created(ctx);
        });
        await using var _ = server;
        var watch = Stopwatch.StartNew();
        Assert.Equal(TableWriteStatus.Ok, (await store.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {watch.Elapsed}");
        Assert.Equal(2, count());
    }

    [Fact]
    public async Task A_hung_attempt_times_out_and_is_retried()
    {
        var release = new TaskCompletionSource();
        var (store, server, count) = await TableServerAsync(async (n, ctx) =>
        {
            if (n == 1)
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            await Created(ctx);
        }, Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(500) });
        await using var _ = server;
        var watch = Stopwatch.StartNew();
        Assert.Equal(TableWriteStatus.Ok, (await store.InsertAsync("profiles", Entity, Ct)).Status);
        release.TrySetResult();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(2, count());
    }

    [Fact]
    public async Task Each_attempt_is_signed_afresh_under_one_client_request_id()
    {
        var attempts = new List<(string Authorization, string Date, string RequestId)>();
        var (store, server, _) = await TableServerAsync(async (n, ctx) =>
        {
            lock (attempts)
            {
                attempts.Add((ctx.Request.Headers.Authorization.ToString(), ctx.Request.Headers["x-ms-date"].ToString(), ctx.Request.Headers["x-ms-client-request-id"].ToString()));
            }
            if (n == 1)
            {
                await Task.Delay(1100); // the next attempt falls into another second of x-ms-date
                await WriteStatus(ctx, 503, "ServerBusy");
                return;
            }
            await Created(ctx);
        });
        await using var __ = server;
        await store.InsertAsync("profiles", Entity, Ct);
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.StartsWith("SharedKey", a.Authorization, StringComparison.Ordinal));
        Assert.NotEqual(attempts[0].Date, attempts[1].Date);
        Assert.NotEqual(attempts[0].Authorization, attempts[1].Authorization);
        Assert.Equal(attempts[0].RequestId, attempts[1].RequestId);
    }
}
