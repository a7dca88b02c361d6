using Dm3.Adapters.Queues;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.App.Web;
using Dm3.App.Logging;
using Dm3.App.Runtime;
using Dm3.Backend.Runtime;
using Dm3.Backend.Signing;
using Dm3.Backend.Storage;
using Dm3.Protocol.Crypto;

namespace Dm3.App.Health;

/// <summary>The runtime's own tables and public endpoints: GET /health; in the standalone host also GET / and the OpenAPI document.</summary>
public sealed class RuntimeFeature : IAppFeature
{
    public const string HealthFunction = "RuntimeHealth";
    public const string HealthRoute = "health";

    public void Describe(FunctionCatalog catalog) => catalog
        .Table(TableProcessedMessages.LogicalTableName)
        .Table(PoisonRecorder.LogicalTableName)
        .Http(HealthFunction, Verb.Get, HealthRoute, cors: null);

    public void AddServices(IServiceCollection services)
    {
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime)
    {
        // A liveness answer that touches no storage (load balancers, the bench's readiness poll).
        endpoints.MapGet("/", () => Results.Text("dm3 serverless\n", "text/plain")).ExcludeFromDescription();
        endpoints.MapGet(HealthRoute, (IServiceProvider services, CancellationToken ct) => HealthEndpoint.HandleAsync(services, ct))
            .WithName(HealthFunction)
            .WithTags("Runtime")
            .WithSummary("Storage and queue reachability (200 healthy, 503 unhealthy).");
    }
}
