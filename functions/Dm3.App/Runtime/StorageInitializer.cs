using Dm3.Adapters.Queues;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Logging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Runtime;

/// <summary>
/// Creates the catalog's tables (and, with the Storage Queue transport, its queues and poison queues) in the
/// background, retrying until storage answers, so that start-up never waits on storage (host readiness is 30 s).
/// </summary>
internal sealed class StorageInitializer(
    FunctionCatalog catalog,
    RuntimeSettings settings,
    SettingsReader reader,
    StorageNames names,
    ITableStore tables,
    IStorageQueueClient queues,
    StorageReadiness readiness,
    ILogger<StorageInitializer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            attempt++;
            try
            {
                var tableNames = catalog.Tables
                    .Where(t => t.Value is null || reader.Bool(t.Value, false))
                    .Select(t => names.Table(t.Key))
                    .ToList();
                foreach (var table in tableNames)
                {
                    await tables.CreateTableIfNotExistsAsync(table, stoppingToken).ConfigureAwait(false);
                }
                var queueNames = new List<string>();
                if (settings.Messaging.Transport == MessagingTransport.StorageQueues)
                {
                    foreach (var (_, queue) in names.Queues)
                    {
                        await queues.CreateQueueIfNotExistsAsync(queue, stoppingToken).ConfigureAwait(false);
                        await queues.CreateQueueIfNotExistsAsync(StorageNames.PoisonQueueOf(queue), stoppingToken).ConfigureAwait(false);
                        queueNames.Add(queue);
                    }
                }
                readiness.MarkReady();
                Log.StorageReady(logger, tableNames.Count, queueNames.Count);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.StorageInitFailed(logger, attempt, (long)delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }
}
