using Dm3.Adapters.ServiceBus;
using Dm3.App.Configuration;
using Dm3.Backend.Messaging;

namespace Dm3.App.Composition;

/// <summary>Creates the Service Bus publisher: identity (ServiceBus__fullyQualifiedNamespace) or SAS (ServiceBus__ConnectionString).</summary>
internal static class ServiceBusComposition
{
    public static IPipelinePublisher CreatePublisher(IServiceProvider services, RuntimeSettings settings)
    {
        var messaging = settings.Messaging;
        var options = messaging.ServiceBusConnectionString is { } connectionString
            ? ServiceBusOptions.FromConnectionString(connectionString)
            : ServiceBusOptions.WithCredential(new Uri("https://" + messaging.ServiceBusNamespace),
                ServiceRegistration.Credential(messaging.ServiceBusClientId, messaging.ServiceBusManagedIdentity));
        return new ServiceBusPublisher(services.GetRequiredService<HttpClient>(), options);
    }
}
