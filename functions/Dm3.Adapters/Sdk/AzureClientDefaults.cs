using Azure.Core;
using Dm3.Adapters.Http;

namespace Dm3.Adapters.Sdk;

/// <summary>
/// Retry and timeout settings of every Azure SDK client (decisions §33: SDK retry options, no Polly). The SDK retries
/// 408, 429, 500, 502, 503, 504 and transport failures with jittered exponential back-off and honours Retry-After;
/// expected outcomes (409, 404, 412) are never retried. Tests shrink the delays.
/// </summary>
public sealed record AdapterRetry
{
    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Base of the exponential back-off.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Upper bound of one back-off delay.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one attempt (the SDK's network timeout).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static AdapterRetry Default { get; } = new();

    /// <summary>Applies these settings to a client's options and returns them.</summary>
    public T ApplyTo<T>(T options)
        where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = Delay;
        options.Retry.MaxDelay = MaxDelay;
        options.Retry.NetworkTimeout = AttemptTimeout;
        // Request and response bodies can carry profiles and keys' metadata: log no content, keep the default
        // header allow-list (which never includes Authorization).
        options.Diagnostics.IsLoggingContentEnabled = false;
        return options;
    }
}

/// <summary>
/// Maps SDK failures to <see cref="RemoteServiceException"/> so callers never see Azure types: a service error
/// (<see cref="Azure.RequestFailedException"/>) and exhausted retries (the SDK's <see cref="AggregateException"/> of
/// attempts, status 0 when the service was unreachable).
/// </summary>
internal static class SdkErrors
{
    public static bool IsFailure(Exception exception) =>
        exception is Azure.RequestFailedException
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.Count > 0
            && aggregate.InnerExceptions.All(e => e is Azure.RequestFailedException or HttpRequestException or IOException or TaskCanceledException));

    public static RemoteServiceException Wrap(string service, string operation, Exception exception)
    {
        var failure = exception as Azure.RequestFailedException
            ?? (exception as AggregateException)?.InnerExceptions.OfType<Azure.RequestFailedException>().LastOrDefault();
        return failure is null
            ? new RemoteServiceException(service, operation, 0, null, FirstLine(exception.Message), exception)
            : new RemoteServiceException(service, operation, (System.Net.HttpStatusCode)failure.Status, failure.ErrorCode, FirstLine(failure.Message), exception);
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).TrimEnd('\r');
    }
}
