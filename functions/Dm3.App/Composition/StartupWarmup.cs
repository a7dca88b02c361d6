using Dm3.App.Ccip;
using Dm3.App.Logging;
using Dm3.Backend.Ccip;
using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;

namespace Dm3.App.Composition;

/// <summary>
/// Standalone host: work that must not delay the first answer (<c>GET /</c>, the bench's cold-start probe): started in
/// the background once the server listens (<see cref="IHostApplicationLifetime.ApplicationStarted"/>).
/// Logs the start-up timing, reads the gateway signer's key (<see cref="DeferredDigestSigner"/>; a failure is logged and
/// retried on use, /health reports it), and creates the singletons the first requests need.
/// </summary>
internal sealed class StartupWarmup(
    IHostApplicationLifetime lifetime,
    IServiceProvider services,
    StartupTimeline timeline,
    ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger("Dm3.App.Startup");
    private readonly CancellationTokenSource _stopping = new();
    private Task _warmup = Task.CompletedTask;
    private CancellationTokenRegistration _started;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = lifetime.ApplicationStarted.Register(() =>
        {
            timeline.Listening = StartupTimeline.Now();
            _warmup = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        });
        return Task.CompletedTask;
    }

    /// <summary>Hosts may call this twice (RunAsync's own stop after an external StopAsync); both calls are safe.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _started.Dispose();
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await _warmup.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal Task Completion => _warmup;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        Log.StartupTiming(_logger,
            StartupTimeline.Ms(timeline.Main, timeline.Listening),
            timeline.ProcessMsBeforeMain(),
            StartupTimeline.Ms(timeline.Main, timeline.Configured),
            StartupTimeline.Ms(timeline.Configured, timeline.Built),
            StartupTimeline.Ms(timeline.Built, timeline.Mapped),
            StartupTimeline.Ms(timeline.Mapped, timeline.Listening));

        await WarmSignerAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WarmSignerAsync(CancellationToken cancellationToken)
    {
        IDigestSigner? signer;
        try
        {
            signer = services.GetService<IDigestSigner>();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.WarmupFailed(_logger, "gateway signer", ex.Message);
            return;
        }
        if (signer is null)
        {
            return;
        }
        try
        {
            var ready = signer is DeferredDigestSigner deferred ? await deferred.GetAsync(cancellationToken).ConfigureAwait(false) : signer;
            var resolvers = services.GetService<CcipGateway>()?.ResolverCount ?? 0;
            GatewayLog.SignerReady(loggers.CreateLogger("Dm3.App.Ccip"), Ethereum.ToChecksumAddress(ready.Address.Span), ready.KeyId, resolvers);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.SignerReadFailed(loggers.CreateLogger("Dm3.App.Ccip"), signer.KeyId, ex.GetType().Name + ": " + ex.Message);
        }
    }
}
