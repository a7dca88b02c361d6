using System.Text.Json.Serialization;

namespace Dm3.Backend.Messaging;

/// <summary>
/// A pipeline message: a small reference, never a payload (payloads live in Tables). decisions §1.
/// <c>Id</c> is the idempotency key (Service Bus MessageId / duplicate detection).
/// </summary>
public sealed record PipelineMessage(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("ref")] string Ref);

/// <summary>Port: sends a pipeline message to a named queue (Storage Queue or Service Bus).</summary>
public interface IPipelinePublisher
{
    Task PublishAsync(string queueName, PipelineMessage message, CancellationToken cancellationToken);

    /// <summary>Sends a message that becomes visible only after <paramref name="visibilityDelay"/> (a retry with backoff).</summary>
    Task PublishDelayedAsync(string queueName, PipelineMessage message, TimeSpan visibilityDelay, CancellationToken cancellationToken);
}
