using Dm3.App.Delivery;
using Dm3.Functions.Runtime;
using Microsoft.Azure.Functions.Worker;

namespace Dm3.Functions.Delivery;

/// <summary>The delivery pipeline: the <c>envelopes</c> queue (postmark + inbox write) and the retention sweeper.</summary>
public sealed class PipelineFunctions(QueueFunctionRunner runner)
{
    private const string EnvelopesQueue = "%" + DeliveryFeature.EnvelopesQueueSetting + "%";
    private const string SweeperSchedule = "%" + DeliveryFeature.SweeperScheduleSetting + "%";

    [Function(DeliveryFeature.DeliverFunction)]
    public Task DeliverEnvelopeAsync(
        [QueueTrigger(EnvelopesQueue, Connection = QueueFunctionRunner.Connection)] string message,
        FunctionContext context, CancellationToken cancellationToken) =>
        runner.RunQueueAsync(DeliveryFeature.DeliverFunction, message, context, cancellationToken);

    [Function(DeliveryFeature.SweeperFunction)]
    public Task SweepAsync([TimerTrigger(SweeperSchedule)] TimerInfo timer, FunctionContext context, CancellationToken cancellationToken) =>
        runner.RunTimerAsync(DeliveryFeature.SweeperFunction, timer, context, cancellationToken);
}
