using Dm3.App.Runtime;
using Dm3.App.Tests.Delivery.Support;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Delivery;
using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// The probe's pipeline finding: a pipeline message that can never succeed (a DeliverEnvelope message of another kind or
/// with a ref that does not parse) goes to the poison queue on its first attempt, with its reason, instead of being
/// retried up to Queues__MaxDequeueCount times.
/// </summary>
public sealed class PoisonAtOnceTests
{
    [Theory]
    [InlineData(EnvelopeRef.Kind, "not-a-ref", "ref")]
    [InlineData("something-else", "0xab|0x00|a.eth", "kind")]
    public async Task A_malformed_envelope_message_is_poisoned_on_its_first_attempt_with_its_reason(string kind, string reference, string reasonMentions)
    {
        await using var host = new DeliveryHost(pump: true, new Dictionary<string, string?>
        {
            ["Queues__MaxDequeueCount"] = "5",
            ["Queues__RetryDelay"] = "00:00:00.5",
        });
        using var client = host.CreateClient();
        await host.WaitForStorageAsync();
        var id = "bad-" + Guid.NewGuid().ToString("N");

        await host.Services.GetRequiredService<IPipelinePublisher>().PublishAsync(host.EnvelopesQueue, new PipelineMessage(id, kind, reference), CancellationToken.None);

        var row = await TestStorage.EventuallyAsync(async () =>
            (await host.RowsAsync(PoisonRecorder.LogicalTableName)).FirstOrDefault(r => r.GetString("PipelineId") == id),
            TimeSpan.FromSeconds(30), "the poison record");
        Assert.Equal(1, row.GetInt64("DequeueCount"));
        Assert.Equal(StorageNames.PoisonQueueOf(host.EnvelopesQueue), row.PartitionKey);
        Assert.Contains(reasonMentions, row.GetString("Reason"), StringComparison.OrdinalIgnoreCase);
    }
}
