using Dm3.App.Tests.Profiles;
using Dm3.Backend.Resolution;

namespace Dm3.App.Tests.Resolution;

public sealed class ResolutionCacheTests
{
    [Fact]
    public async Task Concurrent_callers_for_one_name_share_one_resolution()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var cache = new ResolutionCache<string>(clock, 100);
        var calls = 0;
        var gate = new TaskCompletionSource();
        async Task<string> Factory(CancellationToken _)
        {
            Interlocked.Increment(ref calls);
            await gate.Task;
            return "value";
        }

        var callers = Enumerable.Range(0, 10).Select(_ => cache.GetOrAddAsync("alice.eth", Factory, _ => TimeSpan.FromMinutes(1), CancellationToken.None)).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(callers);
        Assert.All(results, r => Assert.Equal("value", r));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Entries_live_for_the_ttl_their_result_asks_for_and_invalidate_at_once()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var cache = new ResolutionCache<string>(clock, 100);
        var calls = 0;
        Task<string> Factory(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? "negative" : "positive");
        static TimeSpan Ttl(string r) => r == "negative" ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(300);

        Assert.Equal("negative", await cache.GetOrAddAsync("n", Factory, Ttl, CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("negative", await cache.GetOrAddAsync("n", Factory, Ttl, CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("positive", await cache.GetOrAddAsync("n", Factory, Ttl, CancellationToken.None));
        Assert.Equal(2, calls);

        cache.Invalidate("n");
        Assert.Equal("positive", await cache.GetOrAddAsync("n", Factory, Ttl, CancellationToken.None));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_zero_ttl_or_a_failure_is_not_kept()
    {
        var cache = new ResolutionCache<string>(new ManualClock(DateTimeOffset.UnixEpoch), 100);
        var calls = 0;
        Task<string> Transient(CancellationToken _) => Task.FromResult($"failed {Interlocked.Increment(ref calls)}");
        await cache.GetOrAddAsync("x", Transient, _ => TimeSpan.Zero, CancellationToken.None);
        await cache.GetOrAddAsync("x", Transient, _ => TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(2, calls);

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetOrAddAsync("y", _ => throw new InvalidOperationException("bug"), _ => TimeSpan.FromHours(1), CancellationToken.None));
        Assert.Equal("ok", await cache.GetOrAddAsync("y", _ => Task.FromResult("ok"), _ => TimeSpan.FromHours(1), CancellationToken.None));
        Assert.Equal(1, cache.Count);
    }
}
