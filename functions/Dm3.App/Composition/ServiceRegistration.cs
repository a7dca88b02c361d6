using Azure.Core;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tables;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Runtime;
using Dm3.App.Web;
using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;

namespace Dm3.App.Composition;

/// <summary>
/// The one composition root: settings, adapters chosen from settings (SharedKey vs managed identity, Storage Queue vs
/// Service Bus publisher, Key Vault vs local signer), the runtime (invoker; the standalone host adds the pump and
/// timers), the web layer and every feature. Both hosts call it.
/// Everything that depends on settings is a factory, so configuration added by test hosts is honoured.
/// </summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddDm3(this IServiceCollection services, IReadOnlyList<IAppFeature> features, string contentRoot, HostModel host = HostModel.Standalone)
    {
        var catalog = Features.BuildCatalog(features);
        services.AddSingleton(catalog);
        services.AddSingleton(features);
        services.AddSingleton(sp => new SettingsReader(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => RuntimeSettings.Read(sp.GetRequiredService<SettingsReader>(), catalog, host));
        services.AddSingleton(sp => KeyMaterial.Read(sp.GetRequiredService<SettingsReader>(), sp.GetRequiredService<RuntimeSettings>().FunctionsWorker, contentRoot));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<RuntimeSettings>();
            return new StorageNames(settings.Storage.TablePrefix, settings.Storage.QueuePrefix, settings.QueueNames);
        });
        services.AddSingleton(TimeProvider.System);

        // One HTTP client for every adapter; the adapters' Polly pipeline owns timeouts and retries.
        services.AddSingleton(_ => new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        });

        services.AddSingleton<ITableStore>(sp =>
        {
            var storage = sp.GetRequiredService<RuntimeSettings>().Storage;
            var options = storage.Auth == StorageAuth.SharedKey
                ? TableStorageOptions.FromConnection(StorageConnection.Parse(storage.ConnectionString!))
                : TableStorageOptions.WithCredential(storage.TableServiceUri!, Credential(storage.ClientId, storage.ManagedIdentity));
            return new TableStorageClient(sp.GetRequiredService<HttpClient>(), options);
        });
        services.AddSingleton<IStorageQueueClient>(sp =>
        {
            var storage = sp.GetRequiredService<RuntimeSettings>().Storage;
            var options = storage.Auth == StorageAuth.SharedKey
                ? QueueStorageOptions.FromConnection(StorageConnection.Parse(storage.ConnectionString!))
                : QueueStorageOptions.WithCredential(storage.QueueServiceUri!, Credential(storage.ClientId, storage.ManagedIdentity));
            return new StorageQueueClient(sp.GetRequiredService<HttpClient>(), options);
        });
        services.AddSingleton<IPipelinePublisher>(sp =>
        {
            var settings = sp.GetRequiredService<RuntimeSettings>();
            return settings.Messaging.Transport switch
            {
                MessagingTransport.ServiceBus => ServiceBusComposition.CreatePublisher(sp, settings),
                _ => new StorageQueuePublisher(sp.GetRequiredService<IStorageQueueClient>()),
            };
        });
        SignerComposition.AddSigner(services);

        services.AddSingleton<IProcessedMessages, TableProcessedMessages>();
        services.AddSingleton<StorageReadiness>();
        services.AddSingleton<PoisonRecorder>();
        services.AddSingleton<FunctionInvoker>();
        services.AddHostedService<StorageInitializer>();
        services.AddDm3Web();

        foreach (var function in catalog.Functions)
        {
            switch (function)
            {
                case QueueFunction queue:
                    services.AddScoped(queue.HandlerType);
                    break;
                case TimerFunction timer:
                    services.AddScoped(timer.HandlerType);
                    break;
            }
        }
        foreach (var feature in features)
        {
            feature.AddServices(services);
        }
        return services;
    }

    /// <summary>
    /// The Functions connection convention: <c>&lt;Connection&gt;__credential = managedidentity</c> (+ <c>__clientId</c> for a
    /// user-assigned identity) selects ManagedIdentityCredential; otherwise DefaultAzureCredential (Azure CLI, env,
    /// managed identity with the given client id) for developer machines.
    /// </summary>
    /// <remarks>Created on the first token request (<see cref="DeferredCredential"/>), so start-up never loads Azure.Identity.</remarks>
    internal static TokenCredential Credential(string? clientId, bool managedIdentity) =>
        new DeferredCredential(() => DeferredCredential.CreateIdentityCredential(clientId, managedIdentity));
}
