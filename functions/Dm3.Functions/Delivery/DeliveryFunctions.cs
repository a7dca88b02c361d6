using Dm3.App.Configuration;
using Dm3.App.Delivery;
using Dm3.App.Web;
using Dm3.Backend.Delivery;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Dm3.Functions.Delivery;

/// <summary>
/// The dm3 delivery-service routes at the root (<c>/rpc</c>, <c>/auth/…</c>: dm3 clients call them there, so the route
/// prefix is empty). Anonymous: the protocol's own bearer tokens and signatures authorise.
/// </summary>
public sealed class DeliveryFunctions(
    RuntimeSettings runtime,
    DeliverySettings settings,
    Authenticator auth,
    ProfileSubmission profiles,
    MessageSubmission messages,
    IncomingMessages incoming,
    ILogger<MessageSubmission> logger)
{
    [Function(DeliveryFeature.HelloFunction)]
    public IResult Hello(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Verb.Options, Route = DeliveryFeature.HelloRoute)] HttpRequest request) =>
        DeliveryEndpoints.Hello();

    [Function(DeliveryFeature.ChallengeFunction)]
    public Task<IResult> ChallengeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Verb.Options, Route = DeliveryFeature.AuthRoute)] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        DeliveryEndpoints.ChallengeAsync(name, auth, cancellationToken);

    [Function(DeliveryFeature.LoginFunction)]
    public Task<IResult> LoginAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = DeliveryFeature.AuthRoute)] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        DeliveryEndpoints.LoginAsync(name, request, auth, cancellationToken);

    [Function(DeliveryFeature.GetProfileFunction)]
    public Task<IResult> GetProfileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Verb.Options, Route = DeliveryFeature.ProfileRoute)] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        DeliveryEndpoints.GetProfileAsync(name, profiles, cancellationToken);

    [Function(DeliveryFeature.SubmitProfileFunction)]
    public Task<IResult> SubmitProfileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = DeliveryFeature.ProfileRoute)] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        DeliveryEndpoints.SubmitProfileAsync(name, request, profiles, cancellationToken);

    [Function(DeliveryFeature.RpcFunction)]
    public Task<IResult> RpcAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = DeliveryFeature.RpcRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        JsonRpc.HandleAsync(request, runtime, settings, messages, profiles, logger, cancellationToken);

    [Function(DeliveryFeature.IncomingFunction)]
    public Task<IResult> IncomingAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Verb.Options, Route = DeliveryFeature.IncomingRoute)] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        DeliveryEndpoints.IncomingAsync(name, request.HttpContext, auth, incoming, cancellationToken);

    [Function(DeliveryFeature.AcknowledgeFunction)]
    public Task<IResult> AcknowledgeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = DeliveryFeature.AcknowledgeRoute)] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        DeliveryEndpoints.AcknowledgeAsync(name, request, auth, incoming, cancellationToken);
}
