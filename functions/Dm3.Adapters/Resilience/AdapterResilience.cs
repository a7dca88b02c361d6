using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Dm3.Adapters.Resilience;

/// <summary>Retry and timeout settings shared by every adapter. Tests shrink the delays.</summary>
public sealed record ResilienceOptions
{
    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Base of the exponential back-off (jittered).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Upper bound of one computed back-off delay.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one attempt (request and response body).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A server's Retry-After is honoured up to this value.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    public static ResilienceOptions Default { get; } = new();
}

/// <summary>
/// The one retry pipeline of the adapters: retries 408, 429, 500, 502, 503, 504, transport errors and attempt
/// timeouts with jittered exponential back-off, honouring <c>Retry-After</c>; never retries other 4xx outcomes.
/// </summary>
public static class AdapterResilience
{
    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline(ResilienceOptions? options = null)
    {
        options ??= ResilienceOptions.Default;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
                DelayGenerator = args =>
                {
                    var retryAfter = args.Outcome.Result is { } response ? RetryAfter(response, options.MaxRetryAfter) : null;
                    return ValueTask.FromResult(retryAfter);
                },
            });
        }
        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }

    /// <summary>True for the statuses that are worth another attempt.</summary>
    public static bool IsTransient(HttpStatusCode status) => status is
        HttpStatusCode.RequestTimeout
        or HttpStatusCode.TooManyRequests
        or HttpStatusCode.InternalServerError
        or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable
        or HttpStatusCode.GatewayTimeout;

    internal static TimeSpan? RetryAfter(HttpResponseMessage response, TimeSpan cap)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? delay = null;
        if (header?.Delta is { } delta)
        {
            delay = delta;
        }
        else if (header?.Date is { } date)
        {
            delay = date - DateTimeOffset.UtcNow;
        }
        else if (response.Headers.TryGetValues("x-ms-retry-after-ms", out var ms)
                 && double.TryParse(ms.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var millis))
        {
            delay = TimeSpan.FromMilliseconds(millis);
        }
        if (delay is null)
        {
            return null;
        }
        if (delay < TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }
        return delay > cap ? cap : delay;
    }
}
