using System.Diagnostics;
using System.Net;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Http;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.Tables;
using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Storage;
using Microsoft.AspNetCore.Http;

namespace Dm3.Adapters.Tests.Auth;

public sealed class BearerAndRetryTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), AttemptTimeout = TimeSpan.FromSeconds(10) };
    private static readonly TableEntity Entity = new("p", "r", new Dictionary<string, object?> { ["A"] = "b" });

    private static async Task WriteStatus(HttpContext ctx, int status, string? errorCode = null)
    {
        ctx.Response.StatusCode = status;
        if (errorCode is not null)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"odata.error\":{\"code\":\"" + errorCode + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"fake\"}}}");
        }
    }

    [Fact]
    public async Task Bearer_path_sends_the_credentials_token_and_caches_it()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromHours(1));
        var seen = new List<string?>();
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            var auth = ctx.Request.Headers.Authorization.ToString();
            lock (seen)
            {
                seen.Add(auth);
            }
            if (auth != "Bearer " + credential.CurrentToken || string.CompareOrdinal(ctx.Request.Headers["x-ms-version"].ToString(), "2019-02-02") < 0)
            {
                await WriteStatus(ctx, 401, "AuthenticationFailed");
                return;
            }
            ctx.Response.Headers.ETag = "W/\"datetime'2025-06-01T10%3A00%3A00Z'\"";
            ctx.Response.StatusCode = 204;
        });
        using var http = new HttpClient();
        var client = new TableStorageClient(http, TableStorageOptions.WithCredential(new Uri(server.BaseAddress, "acct"), credential) with { Resilience = Fast });

        for (var i = 0; i < 3; i++)
        {
            var result = await client.InsertAsync("profiles", Entity, Ct);
            Assert.Equal(TableWriteStatus.Ok, result.Status);
        }
        Assert.Equal(1, credential.Issued);
        Assert.All(credential.Scopes, s => Assert.Equal("https://storage.azure.com/.default", s));
        Assert.Equal(3, seen.Count);
        Assert.All(seen, a => Assert.Equal("Bearer fake-token-1", a));
    }

    [Fact]
    public async Task Bearer_token_is_renewed_five_minutes_before_expiry()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var credential = new FakeTokenCredential(TimeSpan.FromMinutes(10), clock);
        var authorizer = new BearerTokenAuthorizer(credential, "scope/.default", clock);

        async Task<string> AuthorizeAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
            await authorizer.AuthorizeAsync(request, Ct);
            return request.Headers.Authorization!.ToString();
        }

        Assert.Equal("Bearer fake-token-1", await AuthorizeAsync());
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("Bearer fake-token-1", await AuthorizeAsync());
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("Bearer fake-token-2", await AuthorizeAsync());
        Assert.Equal(2, credential.Issued);
    }

    [Fact]
    public async Task Queue_client_bearer_path_is_rejected_without_the_right_token()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromHours(1));
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            if (ctx.Request.Headers.Authorization.ToString() != "Bearer nobody-has-this")
            {
                ctx.Response.StatusCode = 403;
                ctx.Response.Headers["x-ms-error-code"] = "AuthorizationFailure";
                await ctx.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthorizationFailure</Code><Message>no</Message></Error>");
            }
        });
        using var http = new HttpClient();
        var client = new StorageQueueClient(http, QueueStorageOptions.WithCredential(server.BaseAddress, credential) with { Resilience = Fast });
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => client.CreateQueueIfNotExistsAsync("envelopes", Ct));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Status);
        Assert.Equal("AuthorizationFailure", ex.ErrorCode);
        Assert.DoesNotContain("fake-token", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<(TableStorageClient Client, LoopbackServer Server, Func<int> Count)> CountingTableServerAsync(Func<int, HttpContext, Task> respond, ResilienceOptions? options = null)
    {
        var count = 0;
        var server = await LoopbackServer.StartAsync(ctx => respond(Interlocked.Increment(ref count), ctx));
        var client = new TableStorageClient(new HttpClient(),
            new TableStorageOptions(server.BaseAddress, new SharedKeyAuthorizer("acct", new byte[32], SharedKeyScheme.Table)) { Resilience = options ?? Fast });
        return (client, server, () => Volatile.Read(ref count));
    }

    [Fact]
    public async Task A_503_is_retried_and_the_next_success_is_returned()
    {
        var (client, server, count) = await CountingTableServerAsync((n, ctx) => n == 1 ? WriteStatus(ctx, 503, "ServerBusy") : WriteStatus(ctx, 204));
        await using var _ = server;
        Assert.Equal(TableWriteStatus.Ok, (await client.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.Equal(2, count());
    }

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Transient_statuses_are_retried_until_the_limit_then_fail(int status)
    {
        var (client, server, count) = await CountingTableServerAsync((_, ctx) => WriteStatus(ctx, status, "Busy"));
        await using var _ = server;
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => client.InsertAsync("profiles", Entity, Ct));
        Assert.Equal((HttpStatusCode)status, ex.Status);
        Assert.Equal(Fast.MaxRetries + 1, count());
    }

    [Fact]
    public async Task A_409_is_an_outcome_and_is_not_retried()
    {
        var (client, server, count) = await CountingTableServerAsync((_, ctx) => WriteStatus(ctx, 409, "EntityAlreadyExists"));
        await using var _ = server;
        Assert.Equal(TableWriteStatus.Conflict, (await client.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.Equal(1, count());
    }

    [Fact]
    public async Task A_404_is_an_outcome_and_is_not_retried()
    {
        var (client, server, count) = await CountingTableServerAsync((_, ctx) => WriteStatus(ctx, 404, "ResourceNotFound"));
        await using var _ = server;
        Assert.Null(await client.GetAsync("profiles", "p", "r", Ct));
        Assert.Equal(1, count());
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Other_4xx_statuses_throw_without_retry(int status)
    {
        var (client, server, count) = await CountingTableServerAsync((_, ctx) => WriteStatus(ctx, status, "Nope"));
        await using var _ = server;
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => client.InsertAsync("profiles", Entity, Ct));
        Assert.Equal("Nope", ex.ErrorCode);
        Assert.Equal(1, count());
    }

    [Fact]
    public async Task A_429_waits_for_retry_after()
    {
        var (client, server, count) = await CountingTableServerAsync(async (n, ctx) =>
        {
            if (n == 1)
            {
                ctx.Response.Headers.RetryAfter = "1";
                await WriteStatus(ctx, 429, "TooManyRequests");
                return;
            }
            await WriteStatus(ctx, 204);
        });
        await using var _ = server;
        var watch = Stopwatch.StartNew();
        Assert.Equal(TableWriteStatus.Ok, (await client.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {watch.Elapsed}");
        Assert.Equal(2, count());
    }

    [Fact]
    public async Task Retry_after_is_capped_by_the_options()
    {
        var capped = Fast with { MaxRetryAfter = TimeSpan.FromMilliseconds(50) };
        var (client, server, count) = await CountingTableServerAsync(async (n, ctx) =>
        {
            if (n == 1)
            {
                ctx.Response.Headers.RetryAfter = "3600";
                await WriteStatus(ctx, 429, "TooManyRequests");
                return;
            }
            await WriteStatus(ctx, 204);
        }, capped);
        await using var _ = server;
        var watch = Stopwatch.StartNew();
        Assert.Equal(TableWriteStatus.Ok, (await client.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(2, count());
    }

    [Fact]
    public async Task A_hung_attempt_times_out_and_is_retried()
    {
        var options = Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(300) };
        var (client, server, count) = await CountingTableServerAsync(async (n, ctx) =>
        {
            if (n == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(3), ctx.RequestAborted).ContinueWith(_ => { });
                return;
            }
            await WriteStatus(ctx, 204);
        }, options);
        await using var _ = server;
        Assert.Equal(TableWriteStatus.Ok, (await client.InsertAsync("profiles", Entity, Ct)).Status);
        Assert.Equal(2, count());
    }

    [Fact]
    public async Task Each_attempt_is_signed_afresh()
    {
        var authorizations = new List<string>();
        var (client, server, count) = await CountingTableServerAsync((n, ctx) =>
        {
            lock (authorizations)
            {
                authorizations.Add(ctx.Request.Headers.Authorization.ToString() + "|" + ctx.Request.Headers["x-ms-date"]);
            }
            return n == 1 ? WriteStatus(ctx, 503) : WriteStatus(ctx, 204);
        });
        await using var _ = server;
        await client.InsertAsync("profiles", Entity, Ct);
        Assert.Equal(2, authorizations.Count);
        Assert.All(authorizations, a => Assert.StartsWith("SharedKey acct:", a, StringComparison.Ordinal));
    }
}
