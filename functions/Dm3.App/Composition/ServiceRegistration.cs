using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Sdk;
using Dm3.Adapters.Tables;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Runtime;
using Dm3.App.Web;
using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Microsoft.Extensions.Azure;

namespace Dm3.App.Composition;

/// <summary>
/// The one composition root: settings, the Azure SDK clients and adapters chosen from settings (connection string vs
/// managed identity, Key Vault vs local signer), the runtime (invoker; the standalone host adds the pump and timers),
/// the web layer and every feature. Both hosts call it.
/// Everything that depends on settings is a factory, so configuration added by test hosts is honoured.
/// </summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddDm3(this IServiceCollection services, IReadOnlyList<IAppFeature> features, string contentRoot, HostModel host = HostModel.Standalone)
    {
        // Crypto on libsodium wherever native code runs (decisions §31); both hosts come through here.
        Dm3.Protocol.Sodium.SodiumCryptoProvider.Install();
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

        // The Azure SDK clients, registered once (decisions §33): a connection string for Azurite, else the service
        // URIs with the managed identity (Storage__tableServiceUri / __queueServiceUri / __credential / __clientId,
        // the Functions identity-based connection convention). The SDK's retry options (AdapterRetry) are the only retries.
        services.AddAzureClients(clients =>
        {
            clients.ConfigureDefaults(options => AdapterRetry.Default.ApplyTo(options));
            clients.AddClient<TableServiceClient, TableClientOptions>((options, credential, sp) =>
            {
                var storage = sp.GetRequiredService<RuntimeSettings>().Storage;
                return storage.Auth == StorageAuth.SharedKey
                    ? new TableServiceClient(storage.ConnectionString, options)
                    : new TableServiceClient(storage.TableServiceUri, credential, options);
            }).WithVersion(TableServiceStore.Version).WithCredential(StorageCredential);
            clients.AddClient<QueueServiceClient, QueueClientOptions>((options, credential, sp) =>
            {
                // No SDK message encoding: StorageQueueService passes MessageText through (QueueMessageText writes base64).
                options.MessageEncoding = QueueMessageEncoding.None;
                var storage = sp.GetRequiredService<RuntimeSettings>().Storage;
                return storage.Auth == StorageAuth.SharedKey
                    ? new QueueServiceClient(storage.ConnectionString, options)
                    : new QueueServiceClient(storage.QueueServiceUri, credential, options);
            }).WithVersion(StorageQueueService.Version).WithCredential(StorageCredential);
        });
        services.AddSingleton<ITableStore>(sp => new TableServiceStore(sp.GetRequiredService<TableServiceClient>()));
        services.AddSingleton<IStorageQueueClient>(sp => new StorageQueueService(sp.GetRequiredService<QueueServiceClient>()));
        services.AddSingleton<IPipelinePublisher>(sp => new StorageQueuePublisher(sp.GetRequiredService<IStorageQueueClient>()));
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

    private static TokenCredential StorageCredential(IServiceProvider services)
    {
        var storage = services.GetRequiredService<RuntimeSettings>().Storage;
        return Credential(storage.ClientId, storage.ManagedIdentity);
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
