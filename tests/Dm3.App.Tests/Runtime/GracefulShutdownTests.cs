using System.Net.Http.Json;
using Dm3.App.Diagnostics;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Runtime;

/// <summary>Stopping the host releases in-flight messages (visibility 0) instead of leaving them hidden.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Stopping_with_a_message_in_flight_releases_it_for_immediate_redelivery()
    {
        using var http = new HttpClient();
        var tables = TestStorage.Tables(http);
        var queues = TestStorage.Queues(http);
        var id = "stop-" + Guid.NewGuid().ToString("N");
        string queue;
        await using (var app = new RuntimeAppFactory("stop", new Dictionary<string, string?>
        {
            ["Queues__VisibilityTimeout"] = "00:01:00",
            ["Queues__ShutdownGrace"] = "00:00:01",
        }))
        {
            using var client = app.CreateClient();
            await app.WaitForStorageAsync();
            queue = app.Services.GetRequiredService<StorageNames>().Queue(DiagnosticsFeature.QueueSetting);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/diagnostics/enqueue", new { id, @ref = "sleep=30000" })).StatusCode);
            await TestStorage.EventuallyAsync(async () =>
                (await tables.QueryAsync(app.Table(DiagnosticsFeature.AttemptsTable), new TableQuery(TableFilter.PartitionKeyEquals(id)), null, default)).Items.Count > 0,
                TimeSpan.FromSeconds(20), "the handler to start");
        }

        // Without the release the message would stay invisible for the 60 s visibility timeout.
        var received = await queues.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30), default);
        var message = Assert.Single(received);
        Assert.Equal(2, message.DequeueCount);
    }
}
