using Dm3.Backend.Messaging;

namespace Dm3.Backend.Runtime;

/// <summary>
/// A queue-triggered function's handler. The same handler runs in the Functions worker (its [QueueTrigger] function)
/// and in the standalone queue pump. Delivery is at-least-once: the runtime skips ids it has already completed
/// (see <see cref="IProcessedMessages"/>), but a crash between the handler's effect and that record can still
/// deliver a message twice, so effects must be idempotent on <see cref="PipelineMessage.Id"/>.
/// Failure is an exception: the runtime logs the reason and lets the transport retry (then poison / dead-letter).
/// </summary>
public interface IQueueHandler
{
    Task HandleAsync(PipelineMessage message, DeliveryContext context, CancellationToken cancellationToken);
}

/// <summary>Facts about one delivery attempt.</summary>
/// <param name="DequeueCount">1 on the first attempt (Storage Queue DequeueCount / Service Bus DeliveryCount).</param>
/// <param name="MessageId">The transport's message id (not the pipeline id).</param>
/// <param name="FunctionName">The catalog name of the function being run.</param>
/// <param name="InvocationId">The host's invocation id, or a fresh id in the standalone pump.</param>
public sealed record DeliveryContext(long DequeueCount, string MessageId, string FunctionName, string InvocationId);

/// <summary>A timer-triggered function's handler (NCRONTAB schedule from an app setting).</summary>
public interface ITimerHandler
{
    Task RunAsync(TimerContext context, CancellationToken cancellationToken);
}

/// <param name="ScheduledTime">The occurrence being run (UTC).</param>
/// <param name="IsPastDue">True when the run started late (host's IsPastDue, or the pump fell behind).</param>
public sealed record TimerContext(string FunctionName, DateTimeOffset ScheduledTime, bool IsPastDue, string InvocationId);
