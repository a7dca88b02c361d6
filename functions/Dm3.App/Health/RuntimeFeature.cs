using Dm3.Adapters.Queues;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Logging;
using Dm3.App.Runtime;
using Dm3.Backend.Runtime;
using Dm3.Backend.Signing;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;

namespace Dm3.App.Health;

/// <summary>The runtime's own tables and public endpoints: GET / (host readiness), GET /health, the OpenAPI document.</summary>
public sealed class RuntimeFeature : IAppFeature
{
    public void Describe(FunctionCatalog catalog) => catalog
        .Table(TableProcessedMessages.LogicalTableName)
        .Table(PoisonRecorder.LogicalTableName)
        .Http("RuntimeHealth", "health", "GET")
        .Http("RuntimeOpenApi", "openapi/v1.json", "GET");

    public void AddServices(IServiceCollection services)
    {
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime)
    {
        // The host's readiness probe polls GET / every 25 ms: answer without touching storage.
        endpoints.MapGet("/", () => Results.Text("dm3 serverless\n", "text/plain")).ExcludeFromDescription();
        endpoints.MapGet("/health", HealthEndpoint.HandleAsync)
            .WithName("RuntimeHealth")
            .WithTags("Runtime")
            .WithSummary("Storage and queue reachability (200 healthy, 503 unhealthy).");
    }
}
