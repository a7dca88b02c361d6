using System.Text.Json;
using Dm3.Backend.Messaging;

namespace Dm3.Adapters.Queues;

/// <summary>Publishes pipeline messages to Storage Queues as base64(UTF-8 JSON) — the queue trigger's default encoding.</summary>
public sealed class StorageQueuePublisher(IStorageQueueClient queues) : IPipelinePublisher
{
    public Task PublishAsync(string queueName, PipelineMessage message, CancellationToken cancellationToken) =>
        SendAsync(queueName, message, null, cancellationToken);

    public Task PublishDelayedAsync(string queueName, PipelineMessage message, TimeSpan visibilityDelay, CancellationToken cancellationToken) =>
        SendAsync(queueName, message, visibilityDelay > TimeSpan.Zero ? visibilityDelay : null, cancellationToken);

    private async Task SendAsync(string queueName, PipelineMessage message, TimeSpan? visibilityDelay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = QueueMessageText.FromUtf8Json(JsonSerializer.SerializeToUtf8Bytes(message));
        await queues.SendAsync(queueName, text, visibilityDelay, cancellationToken).ConfigureAwait(false);
    }
}
