using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Dm3.Adapters.Http;
using Dm3.Adapters.Sdk;

namespace Dm3.Adapters.Queues;

/// <summary>
/// <see cref="IStorageQueueClient"/> on the Azure.Storage.Queues SDK (one <see cref="QueueServiceClient"/>, a cached
/// <see cref="QueueClient"/> per queue). The SDK's own message encoding is off: MessageText is passed through as stored,
/// and <see cref="QueueMessageText"/> writes base64(UTF-8 JSON) — what the Functions queue trigger decodes — so the
/// standalone pump still sees a message that is not base64 and can move it to the poison queue with its reason.
/// Missing queues, auth failures and exhausted retries throw <see cref="RemoteServiceException"/>; a stale pop receipt
/// is a value (false / null).
/// </summary>
public sealed class StorageQueueService(QueueServiceClient service) : IStorageQueueClient
{
    private const string Service = "Queue Storage";
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, QueueClient> _queues = new(StringComparer.Ordinal);

    /// <summary>The newest service version Azurite 3.35.0 accepts without <c>--skipApiVersionCheck</c>.</summary>
    public static QueueClientOptions.ServiceVersion Version => QueueClientOptions.ServiceVersion.V2025_11_05;

    /// <summary>Client options with <paramref name="retry"/> applied and no SDK message encoding (see the class remarks).</summary>
    public static QueueClientOptions CreateOptions(AdapterRetry? retry = null) =>
        (retry ?? AdapterRetry.Default).ApplyTo(new QueueClientOptions(Version) { MessageEncoding = QueueMessageEncoding.None });

    public async Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken)
    {
        var client = Queue(queue);
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "create queue", ex);
        }
    }

    public async Task<QueueMessageReceipt> SendAsync(string queue, string messageText, TimeSpan? visibilityDelay, CancellationToken cancellationToken)
    {
        var client = Queue(queue);
        ArgumentNullException.ThrowIfNull(messageText);
        if (messageText.Length > QueueMessageText.MaxMessageTextLength)
        {
            throw new ArgumentException($"The message text is longer than {QueueMessageText.MaxMessageTextLength} characters.", nameof(messageText));
        }
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero || delay > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), "The visibility delay must be within 0..7 days.");
        }
        try
        {
            // Time to live -1 s: never expires (a pipeline message is removed by its handler or moved to poison).
            var receipt = (await client.SendMessageAsync(messageText, delay, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false)).Value;
            return new QueueMessageReceipt(receipt.MessageId, receipt.PopReceipt, receipt.InsertionTime, receipt.TimeNextVisible);
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "put message", ex);
        }
    }

    public async Task<IReadOnlyList<ReceivedQueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        var client = Queue(queue);
        ValidateCount(maxMessages);
        if (visibilityTimeout < TimeSpan.FromSeconds(1) || visibilityTimeout > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), "The visibility timeout must be within 1 s..7 days.");
        }
        QueueMessage[] messages;
        try
        {
            messages = (await client.ReceiveMessagesAsync(maxMessages, visibilityTimeout, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "get messages", ex);
        }
        var result = new ReceivedQueueMessage[messages.Length];
        for (var i = 0; i < messages.Length; i++)
        {
            var m = messages[i];
            result[i] = new ReceivedQueueMessage(m.MessageId, m.PopReceipt, m.MessageText ?? "", m.DequeueCount,
                m.InsertedOn ?? default, m.ExpiresOn ?? default, m.NextVisibleOn ?? default);
        }
        return result;
    }

    public async Task<bool> DeleteAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken)
    {
        var client = Queue(queue);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        try
        {
            await client.DeleteMessageAsync(messageId, popReceipt, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (IsStaleReceipt(ex))
        {
            return false;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "delete message", ex);
        }
    }

    public async Task<string?> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        var client = Queue(queue);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), "The visibility timeout must be within 0..7 days.");
        }
        try
        {
            var receipt = await client.UpdateMessageAsync(messageId, popReceipt, (BinaryData?)null, visibilityTimeout, cancellationToken).ConfigureAwait(false);
            return receipt.Value.PopReceipt;
        }
        catch (RequestFailedException ex) when (IsStaleReceipt(ex))
        {
            return null;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "update message", ex);
        }
    }

    public async Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        var client = Queue(queue);
        ValidateCount(maxMessages);
        try
        {
            var peeked = (await client.PeekMessagesAsync(maxMessages, cancellationToken).ConfigureAwait(false)).Value;
            return peeked.Select(m => new PeekedQueueMessage(m.MessageId, m.MessageText ?? "", m.DequeueCount, m.InsertedOn ?? default)).ToList();
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "peek messages", ex);
        }
    }

    /// <summary>Deletes a queue (tests and tooling). False when it did not exist.</summary>
    public async Task<bool> DeleteQueueAsync(string queue, CancellationToken cancellationToken)
    {
        var client = Queue(queue);
        try
        {
            return (await client.DeleteIfExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "delete queue", ex);
        }
    }

    private QueueClient Queue(string queue)
    {
        if (_queues.TryGetValue(queue, out var client))
        {
            return client;
        }
        ValidateQueueName(queue);
        return _queues.GetOrAdd(queue, service.GetQueueClient);
    }

    private static bool IsStaleReceipt(RequestFailedException ex) =>
        (ex.Status == 404 && ex.ErrorCode != "QueueNotFound")
        || (ex.Status == 400 && ex.ErrorCode == "PopReceiptMismatch");

    private static void ValidateCount(int maxMessages)
    {
        if (maxMessages is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), "Between 1 and 32 messages per call.");
        }
    }

    /// <summary>Queue names: 3–63 lower-case letters, digits and single hyphens, not starting or ending with a hyphen.</summary>
    internal static void ValidateQueueName(string queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var valid = queue.Length is >= 3 and <= 63
            && queue.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && queue[0] != '-' && queue[^1] != '-'
            && !queue.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException($"'{queue}' is not a valid queue name.", nameof(queue));
        }
    }
}
