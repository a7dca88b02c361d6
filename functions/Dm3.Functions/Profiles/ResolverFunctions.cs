using Dm3.App.Profiles;
using Dm3.App.Web;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Dm3.Functions.Profiles;

/// <summary>The offchain resolver's routes under <c>/resolver</c>. Anonymous: writes carry wallet proofs (EIP-4361).</summary>
public sealed class ResolverFunctions(ClaimAddressHandler claims, GetProfileHandler profiles, DeleteProfileHandler deletions, NonceService nonces)
{
    [Function(ResolverFeature.ClaimFunction)]
    public Task<IResult> ClaimAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = ResolverFeature.ClaimRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        ResolverEndpoints.ClaimAsync(request, claims, cancellationToken);

    [Function(ResolverFeature.GetFunction)]
    public Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Get, Verb.Options, Route = ResolverFeature.GetRoute)] HttpRequest request,
        string address, CancellationToken cancellationToken) =>
        ResolverEndpoints.GetAsync(address, profiles, cancellationToken);

    [Function(ResolverFeature.DeleteFunction)]
    public Task<IResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Delete, Verb.Options, Route = ResolverFeature.DeleteRoute)] HttpRequest request,
        string name, CancellationToken cancellationToken) =>
        ResolverEndpoints.DeleteAsync(name, request, deletions, cancellationToken);

    [Function(ResolverFeature.NonceFunction)]
    public Task<IResult> IssueNonceAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = ResolverFeature.NonceRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        ResolverEndpoints.IssueNonceAsync(request, nonces, cancellationToken);
}
