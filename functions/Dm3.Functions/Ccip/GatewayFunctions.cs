using Dm3.App.Ccip;
using Dm3.App.Web;
using Dm3.Backend.Ccip;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Dm3.Functions.Ccip;

/// <summary>
/// The CCIP-Read gateway (EIP-3668). Anonymous: the protocol's own signatures carry the trust. Routes at the root (the
/// route prefix is empty in host.json) because resolvers publish gateway URLs like <c>https://host/ccip/{sender}/{data}</c>.
/// </summary>
public sealed class GatewayFunctions(CcipGateway gateway, GatewayOptions options)
{
    [Function(GatewayFeature.GetFunction)]
    public Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Verb.Options, Route = GatewayFeature.GetRoute)] HttpRequest request,
        string sender, string data, CancellationToken cancellationToken) =>
        GatewayEndpoints.GetAsync(sender, data, request, gateway, options, cancellationToken);

    [Function(GatewayFeature.PostFunction)]
    public Task<IResult> PostAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = GatewayFeature.PostRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        GatewayEndpoints.PostAsync(request, gateway, options, cancellationToken);
}
