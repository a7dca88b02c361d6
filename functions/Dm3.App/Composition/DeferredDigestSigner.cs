using Dm3.Backend.Signing;

namespace Dm3.App.Composition;

/// <summary>What is known about a signer whose key is read from a key service.</summary>
public enum SignerState
{
    /// <summary>The key has not been read yet (or a read is under way).</summary>
    Pending,

    /// <summary>The key was read; <see cref="DeferredDigestSigner.Address"/> answers at once.</summary>
    Ready,

    /// <summary>The last read failed; the next use reads again (at most once per <see cref="DeferredDigestSigner.RetryAfter"/>).</summary>
    Failed,
}

/// <summary>
/// A signer whose key is read on first use (or by the background warm-up after Kestrel listens), never while the
/// program starts: the Functions host gives the handler 30 s to answer <c>GET /</c> (functions-custom-handler.md §2),
/// and reading a Key Vault key (token + key read) can take seconds. Reads are shared by concurrent callers, bounded by
/// <see cref="ReadTimeout"/>; a failed read is reported to its callers and tried again on a later use.
/// </summary>
public sealed class DeferredDigestSigner : IDigestSigner
{
    /// <summary>Upper bound of one key read (token acquisition included).</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    /// <summary>A failed read is not repeated sooner than this (callers get the same failure meanwhile).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly Func<CancellationToken, Task<IDigestSigner>> _read;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Task<IDigestSigner>? _reading;
    private long _failedAt;
    private volatile IDigestSigner? _signer;

    /// <param name="configuredKeyId">The key as configured (reported by <see cref="KeyId"/> until the read pins a version).</param>
    /// <param name="read">Reads the key; receives a token cancelled after <see cref="ReadTimeout"/>.</param>
    public DeferredDigestSigner(string configuredKeyId, Func<CancellationToken, Task<IDigestSigner>> read, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(configuredKeyId);
        ArgumentNullException.ThrowIfNull(read);
        ConfiguredKeyId = configuredKeyId;
        _read = read;
        _time = time ?? TimeProvider.System;
    }

    public string ConfiguredKeyId { get; }

    public SignerState State
    {
        get
        {
            if (_signer is not null)
            {
                return SignerState.Ready;
            }
            var reading = _reading;
            return reading is { IsFaulted: true } or { IsCanceled: true } ? SignerState.Failed : SignerState.Pending;
        }
    }

    /// <summary>The reason of the last failed read (exception type and message; never key material), else null.</summary>
    public string? LastError =>
        _signer is null && _reading is { IsFaulted: true } failed ? Describe(failed.Exception!.GetBaseException())
        : _signer is null && _reading is { IsCanceled: true } ? "the key read was cancelled" : null;

    /// <summary>The key's address. Blocks until the key is read when it is not yet known (prefer <see cref="GetAsync"/>).</summary>
    public ReadOnlyMemory<byte> Address => (_signer ?? GetAsync(CancellationToken.None).GetAwaiter().GetResult()).Address;

    /// <summary>The versioned key id once read; the configured key id before.</summary>
    public string KeyId => _signer?.KeyId ?? ConfiguredKeyId;

    /// <summary>The signer, reading the key if needed. <paramref name="cancellationToken"/> only stops this caller's wait.</summary>
    public Task<IDigestSigner> GetAsync(CancellationToken cancellationToken)
    {
        if (_signer is { } ready)
        {
            return Task.FromResult(ready);
        }
        Task<IDigestSigner> reading;
        lock (_lock)
        {
            if (_reading is null
                || ((_reading.IsFaulted || _reading.IsCanceled) && _time.GetElapsedTime(Interlocked.Read(ref _failedAt)) >= RetryAfter))
            {
                _reading = ReadAsync();
            }
            reading = _reading;
        }
        return reading.WaitAsync(cancellationToken);
    }

    public async Task<byte[]> SignDigestAsync(ReadOnlyMemory<byte> digest32, CancellationToken cancellationToken)
    {
        var signer = _signer ?? await GetAsync(cancellationToken).ConfigureAwait(false);
        return await signer.SignDigestAsync(digest32, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IDigestSigner> ReadAsync()
    {
        await Task.Yield(); // never run the read on the caller's stack (it may hold the lock)
        using var timeout = new CancellationTokenSource(ReadTimeout, _time);
        try
        {
            var signer = await _read(timeout.Token).ConfigureAwait(false);
            _signer = signer;
            return signer;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Interlocked.Exchange(ref _failedAt, _time.GetTimestamp());
            throw new TimeoutException($"reading the signer key {ConfiguredKeyId} took longer than {ReadTimeout.TotalSeconds:0} s");
        }
        catch
        {
            Interlocked.Exchange(ref _failedAt, _time.GetTimestamp());
            throw;
        }
    }

    private static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;
}
