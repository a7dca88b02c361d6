using System.Collections.Concurrent;

namespace Dm3.Backend.Resolution;

/// <summary>
/// A TTL cache with single-flight per key: concurrent callers for one key share one resolution; the result is kept for
/// the TTL the caller derives from it (positive and negative answers differ; zero keeps nothing). A failure is not
/// cached. Size-bounded: when full, the cache starts over. <see cref="Invalidate"/> drops a key at once (writes here).
/// </summary>
public sealed class ResolutionCache<T>
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _maxEntries;

    public ResolutionCache(TimeProvider time, int maxEntries)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _maxEntries = maxEntries;
    }

    public int Count => _entries.Count;

    public void Invalidate(string key) => _entries.TryRemove(key, out _);

    public async Task<T> GetOrAddAsync(string key, Func<CancellationToken, Task<T>> factory, Func<T, TimeSpan> ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(ttl);
        while (true)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                if (!existing.Task.IsCompleted || _time.GetUtcNow() < existing.Expires)
                {
                    return await existing.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                _entries.TryRemove(new KeyValuePair<string, Entry>(key, existing));
            }

            if (_maxEntries == 0)
            {
                return await factory(cancellationToken).ConfigureAwait(false);
            }

            if (_entries.Count >= _maxEntries)
            {
                _entries.Clear();
            }

            var source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            var entry = new Entry(source.Task);
            if (!_entries.TryAdd(key, entry))
            {
                continue;
            }

            try
            {
                var value = await factory(cancellationToken).ConfigureAwait(false);
                var life = ttl(value);
                if (life > TimeSpan.Zero)
                {
                    entry.Expires = _time.GetUtcNow() + life;
                }
                else
                {
                    _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
                }

                source.SetResult(value);
                return value;
            }
            catch (Exception e)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
                source.SetException(e);
                throw;
            }
        }
    }

    private sealed class Entry(Task<T> task)
    {
        public Task<T> Task { get; } = task;

        public DateTimeOffset Expires { get; set; } = DateTimeOffset.MaxValue;
    }
}
