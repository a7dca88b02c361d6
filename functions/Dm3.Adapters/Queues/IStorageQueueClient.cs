namespace Dm3.Adapters.Queues;

/// <summary>
/// Azure Queue Storage operations used by the standalone queue pump and the Storage-Queue publisher.
/// <c>messageText</c> is the raw MessageText as stored: the pipeline writes base64(UTF-8 JSON), as the
/// Functions queue trigger's default <c>messageEncoding</c> expects.
/// </summary>
public interface IStorageQueueClient
{
    Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken);

    Task<QueueMessageReceipt> SendAsync(string queue, string messageText, TimeSpan? visibilityDelay, CancellationToken cancellationToken);

    /// <summary>Get up to <paramref name="maxMessages"/> (1..32) messages and hide them for <paramref name="visibilityTimeout"/>.</summary>
    Task<IReadOnlyList<ReceivedQueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken);

    /// <summary>Delete with the pop receipt. False when the message or receipt is no longer valid (404).</summary>
    Task<bool> DeleteAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken);

    /// <summary>Extend or end the invisibility. Returns the new pop receipt, or null when the message is gone / receipt stale.</summary>
    Task<string?> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken);

    Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken);
}

public sealed record QueueMessageReceipt(string MessageId, string PopReceipt, DateTimeOffset InsertionTime, DateTimeOffset NextVisibleTime);

public sealed record ReceivedQueueMessage(
    string MessageId,
    string PopReceipt,
    string MessageText,
    long DequeueCount,
    DateTimeOffset InsertionTime,
    DateTimeOffset ExpirationTime,
    DateTimeOffset NextVisibleTime);

public sealed record PeekedQueueMessage(string MessageId, string MessageText, long DequeueCount, DateTimeOffset InsertionTime);
