using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Dm3.Backend.Ccip;

/// <summary>
/// Signed gateway answers by (sender, calldata) (decisions §14), keyed by sender and calldata hash (<see cref="Key"/>). An entry is served until its signature's expiry
/// minus 60 s, so a cached answer always has at least a minute of validity left when a client receives it.
/// Size-bounded: when full, expired entries are swept, and if that frees nothing the cache starts over.
/// </summary>
public sealed class GatewayAnswerCache
{
    /// <summary>How long before the signature's expiry an entry stops being served.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _maxEntries;

    public GatewayAnswerCache(TimeProvider time, int maxEntries)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntries);
        _time = time;
        _maxEntries = maxEntries;
    }

    public int Count => _entries.Count;

    /// <summary>
    /// The cache key: the lower-case sender (with <c>0x</c>) and the SHA-256 of the decoded calldata bytes, so a key is
    /// ~107 characters whatever the calldata size (up to 16 KiB of hex) and hex case does not matter.
    /// </summary>
    public static string Key(string senderLowerHex, ReadOnlySpan<byte> calldata) =>
        string.Concat(senderLowerHex, "/", Convert.ToHexStringLower(SHA256.HashData(calldata)));

    /// <summary>The cached HTTP body (UTF-8 JSON) for <paramref name="key"/>, if still servable.</summary>
    public bool TryGet(string key, out byte[] body)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (_time.GetUtcNow() < entry.ServeUntil)
            {
                body = entry.Body;
                return true;
            }

            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }

        body = [];
        return false;
    }

    /// <summary>Stores an answer whose signature expires at <paramref name="signatureExpires"/>.</summary>
    public void Set(string key, byte[] body, DateTimeOffset signatureExpires)
    {
        if (_maxEntries == 0)
        {
            return;
        }

        var serveUntil = signatureExpires - Margin;
        var now = _time.GetUtcNow();
        if (serveUntil <= now)
        {
            return;
        }

        if (_entries.Count >= _maxEntries && !_entries.ContainsKey(key))
        {
            foreach (var pair in _entries)
            {
                if (pair.Value.ServeUntil <= now)
                {
                    _entries.TryRemove(pair);
                }
            }

            if (_entries.Count >= _maxEntries)
            {
                _entries.Clear();
            }
        }

        _entries[key] = new Entry(body, serveUntil);
    }

    private sealed record Entry(byte[] Body, DateTimeOffset ServeUntil);
}
