using Dm3.App.Relay;
using Dm3.App.Web;
using Dm3.Backend.Delivery;
using Dm3.Backend.Relay;
using Dm3.Functions.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Dm3.Functions.Relay;

/// <summary>The outbox relay: <c>POST /outbox</c>, <c>GET /outbox/{id}</c> and the <c>outbox</c> queue.</summary>
public sealed class RelayFunctions(Authenticator auth, OutboxSubmission outbox, DeliverySettings settings, QueueFunctionRunner runner)
{
    private const string OutboxQueue = "%" + RelayFeature.OutboxQueueSetting + "%";

    [Function(RelayFeature.SubmitFunction)]
    public Task<IResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = RelayFeature.SubmitRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        RelayEndpoints.SubmitAsync(request, auth, outbox, settings, cancellationToken);

    [Function(RelayFeature.StatusFunction)]
    public Task<IResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Verb.Options, Route = RelayFeature.StatusRoute)] HttpRequest request,
        string id, CancellationToken cancellationToken) =>
        RelayEndpoints.StatusAsync(id, request, auth, outbox, cancellationToken);

    [Function(RelayFeature.RelayFunction)]
    public Task RelayAsync(
        [QueueTrigger(OutboxQueue, Connection = QueueFunctionRunner.Connection)] string message,
        FunctionContext context, CancellationToken cancellationToken) =>
        runner.RunQueueAsync(RelayFeature.RelayFunction, message, context, cancellationToken);
}
