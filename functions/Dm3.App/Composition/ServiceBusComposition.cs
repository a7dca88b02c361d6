using Dm3.App.Configuration;
using Dm3.Backend.Messaging;

namespace Dm3.App.Composition;

/// <summary>Creates the Service Bus publisher (identity or SAS) from settings.</summary>
internal static class ServiceBusComposition
{
    public static IPipelinePublisher CreatePublisher(IServiceProvider services, RuntimeSettings settings)
    {
        _ = services;
        _ = settings;
        throw new NotSupportedException("The Service Bus publisher adapter is not wired yet.");
    }
}
