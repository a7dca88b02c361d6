using Dm3.Adapters.KeyVault;
using Dm3.App.Composition;
using Dm3.App.Logging;
using Dm3.Backend.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dm3.App.Tests.Startup;

public sealed class DeferredDigestSignerTests
{
    private static readonly byte[] Key = Convert.FromHexString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");

    [Fact]
    public async Task Concurrent_users_share_one_key_read_and_get_the_same_signer()
    {
        var reads = 0;
        var gate = new TaskCompletionSource();
        var signer = new DeferredDigestSigner("gateway", async ct =>
        {
            Interlocked.Increment(ref reads);
            await gate.Task.WaitAsync(ct);
            return new LocalDigestSigner(Key);
        });

        var waiting = Enumerable.Range(0, 8).Select(_ => signer.GetAsync(CancellationToken.None)).ToList();
        Assert.Equal(SignerState.Pending, signer.State);
        Assert.Equal("gateway", signer.KeyId);
        gate.SetResult();
        var signers = await Task.WhenAll(waiting);

        Assert.Equal(1, reads);
        Assert.All(signers, s => Assert.Same(signers[0], s));
        Assert.Equal(SignerState.Ready, signer.State);
        Assert.Equal(signers[0].KeyId, signer.KeyId);
        Assert.Equal(new LocalDigestSigner(Key).Address.ToArray(), signer.Address.ToArray());
        var digest = new byte[32];
        Assert.Equal(await new LocalDigestSigner(Key).SignDigestAsync(digest, CancellationToken.None), await signer.SignDigestAsync(digest, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_read_is_reported_and_tried_again_only_after_the_retry_interval()
    {
        var clock = new SteppedClock();
        var reads = 0;
        var signer = new DeferredDigestSigner("gateway", _ =>
            Interlocked.Increment(ref reads) == 1
                ? Task.FromException<IDigestSigner>(new InvalidOperationException("vault says no"))
                : Task.FromResult<IDigestSigner>(new LocalDigestSigner(Key)), clock);

        await Assert.ThrowsAsync<InvalidOperationException>(() => signer.GetAsync(CancellationToken.None));
        Assert.Equal(SignerState.Failed, signer.State);
        Assert.Contains("vault says no", signer.LastError, StringComparison.Ordinal);

        await Assert.ThrowsAsync<InvalidOperationException>(() => signer.GetAsync(CancellationToken.None));
        Assert.Equal(1, reads);

        clock.Advance(DeferredDigestSigner.RetryAfter);
        var ready = await signer.GetAsync(CancellationToken.None);
        Assert.Equal(2, reads);
        Assert.Equal(SignerState.Ready, signer.State);
        Assert.Null(signer.LastError);
        Assert.Same(ready, await signer.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_does_not_cancel_the_shared_read()
    {
        var gate = new TaskCompletionSource();
        var signer = new DeferredDigestSigner("gateway", async ct =>
        {
            await gate.Task.WaitAsync(ct);
            return new LocalDigestSigner(Key);
        });
        using var impatient = new CancellationTokenSource();
        var first = signer.GetAsync(impatient.Token);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        gate.SetResult();
        await signer.GetAsync(CancellationToken.None);
        Assert.Equal(SignerState.Ready, signer.State);
    }

    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}

public sealed class LogLevelDefaultsTests
{
    private const string RequestLog = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Fact]
    public void Without_configuration_asp_net_core_logs_warnings_and_our_categories_information()
    {
        using var loggers = Loggers([]);
        Assert.False(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Dm3.App.Runtime.QueuePump").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Dm3.App.Runtime.QueuePump").IsEnabled(LogLevel.Debug));
        Assert.True(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Azure.Core").IsEnabled(LogLevel.Information)); // SDK request/response events
        Assert.True(loggers.CreateLogger("Azure.Core").IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public void A_configured_default_level_applies_to_every_category()
    {
        using var loggers = Loggers(new() { ["Logging:LogLevel:Default"] = "Trace" });
        Assert.True(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Trace));
    }

    [Fact]
    public void A_configured_category_or_prefix_replaces_its_default()
    {
        using (var loggers = Loggers(new() { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information" }))
        {
            Assert.True(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Information));
        }
        using (var loggers = Loggers(new() { ["Logging:LogLevel:Microsoft"] = "Debug" }))
        {
            Assert.True(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Debug));
        }
        using (var loggers = Loggers(new() { ["Logging:LogLevel:Microsoft.AspNetCore.Routing"] = "Debug" }))
        {
            Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Debug));
            Assert.False(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Information));
        }
    }

    [Fact]
    public async Task The_program_does_not_log_each_request_at_information()
    {
        await using var app = new Runtime.Support.RuntimeAppFactory("log");
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        Assert.False(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Dm3.App.Ccip").IsEnabled(LogLevel.Information));
    }

    private static ConfiguredLoggers Loggers(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddProvider(new EverythingProvider()));
        services.AddSingleton<IConfigureOptions<LoggerFilterOptions>, LogLevelDefaults>();
        return new ConfiguredLoggers(services.BuildServiceProvider());
    }

    /// <summary>A provider whose loggers accept every level, so that only the filter rules decide.</summary>
    private sealed class EverythingProvider : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class ConfiguredLoggers(ServiceProvider services) : IDisposable
    {
        public ILogger CreateLogger(string category) => services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

        public void Dispose() => services.Dispose();
    }
}
