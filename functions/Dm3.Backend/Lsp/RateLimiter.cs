using System.Globalization;
using Dm3.Backend.Storage;

namespace Dm3.Backend.Lsp;

/// <summary>
/// Fixed-window counters in the <c>RateCounters</c> table (PK = limit key, RK = window start in unix seconds), so limits
/// hold across restarts and instances. One hit = a point read plus an insert or an ETag-guarded merge (retried on a
/// concurrent change). A full window answers <see cref="LspErrorKind.RateLimited"/> with the time to the window's end.
/// Fixed windows allow up to twice the limit across one window boundary; that is the documented trade-off for two
/// Table transactions per hit. Rows carry <c>ExpiresAt</c> and are removed by the LSP sweeper.
/// </summary>
public sealed class RateLimiter(LspStorage storage, TimeProvider time)
{
    private const string CountColumn = "Count";
    internal const string ExpiresAtColumn = "ExpiresAt";
    private const int Attempts = 6;

    public async Task<LspError?> HitAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var seconds = (long)window.TotalSeconds;
        var start = now.ToUnixTimeSeconds() / seconds * seconds;
        var end = DateTimeOffset.FromUnixTimeSeconds(start + seconds);
        var rowKey = start.ToString(CultureInfo.InvariantCulture);
        var partition = SafeKey(key);
        var table = await storage.RateCounters.ReadyAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var row = await table.GetAsync(storage.RateCounters.Name, partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                var inserted = await table.InsertAsync(storage.RateCounters.Name, Counter(partition, rowKey, 1, end), cancellationToken).ConfigureAwait(false);
                if (inserted.IsOk)
                {
                    return null;
                }

                continue;
            }

            var count = row.GetInt64(CountColumn) ?? 0;
            if (count >= limit)
            {
                var reset = end - now;
                return new LspError(LspErrorKind.RateLimited, "Too many requests; try again later.", reset, new RateLimitState(limit, 0, reset));
            }

            var updated = await table.UpdateAsync(storage.RateCounters.Name, Counter(partition, rowKey, count + 1, end), row.ETag ?? "*",
                TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            if (updated.IsOk)
            {
                return null;
            }
        }

        var busy = end - now;
        return new LspError(LspErrorKind.RateLimited, "Too many concurrent requests; try again later.", busy, new RateLimitState(limit, 0, busy));
    }

    private static TableEntity Counter(string partition, string rowKey, long count, DateTimeOffset expiresAt) =>
        new(partition, rowKey, new Dictionary<string, object?>(StringComparer.Ordinal) { [CountColumn] = count, [ExpiresAtColumn] = expiresAt });

    /// <summary>Table keys may not contain '/', '\', '#', '?' or control characters.</summary>
    private static string SafeKey(string key)
    {
        var chars = key.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '/' or '\\' or '#' or '?' || char.IsControl(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }
}
