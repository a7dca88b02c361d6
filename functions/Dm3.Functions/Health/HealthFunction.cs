using Dm3.App.Health;
using Dm3.App.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Dm3.Functions.Health;

/// <summary>GET /health: storage, queue and signer reachability (200 healthy, 503 unhealthy).</summary>
public sealed class HealthFunction(IServiceProvider services)
{
    [Function(RuntimeFeature.HealthFunction)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Route = RuntimeFeature.HealthRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        HealthEndpoint.HandleAsync(services, cancellationToken);
}
