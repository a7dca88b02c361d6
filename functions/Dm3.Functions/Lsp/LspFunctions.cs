using Dm3.App.Lsp;
using Dm3.App.Web;
using Dm3.Backend.Lsp;
using Dm3.Functions.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Dm3.Functions.Lsp;

/// <summary>
/// The linked-profile API under <c>/lsp/v1</c>. Anonymous at the Functions level: owner sessions (bearer tokens) and
/// wallet signatures authorise; CORS is the <see cref="CorsPolicies.AppOrigins"/> policy. The timers: the session and
/// rate-counter sweeper, the escrow re-wrap.
/// </summary>
public sealed class LspFunctions(
    IssueLspNonceHandler nonces,
    OpenSessionHandler sessions,
    QueryLspsHandler queries,
    RegisterLspHandler registrations,
    DeleteLspHandler deletions,
    LinkRecordsHandler links,
    QueueFunctionRunner runner)
{
    private const string SweeperSchedule = "%" + LspFeature.SweeperScheduleSetting + "%";
    private const string RewrapSchedule = "%" + LspFeature.RewrapScheduleSetting + "%";

    [Function(LspFeature.NonceFunction)]
    public Task<IResult> IssueNonceAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = LspFeature.NonceRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        LspEndpoints.IssueNonceAsync(request, nonces, cancellationToken);

    [Function(LspFeature.SessionFunction)]
    public Task<IResult> OpenSessionAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = LspFeature.SessionRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        LspEndpoints.OpenSessionAsync(request, sessions, cancellationToken);

    [Function(LspFeature.QueryFunction)]
    public Task<IResult> QueryAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = LspFeature.QueryRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        LspEndpoints.QueryAsync(request, queries, cancellationToken);

    [Function(LspFeature.RegisterFunction)]
    public Task<IResult> RegisterAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Post, Verb.Options, Route = LspFeature.RegisterRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        LspEndpoints.RegisterAsync(request, registrations, cancellationToken);

    [Function(LspFeature.DeleteFunction)]
    public Task<IResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Delete, Verb.Options, Route = LspFeature.DeleteRoute)] HttpRequest request,
        string lspName, CancellationToken cancellationToken) =>
        LspEndpoints.DeleteAsync(lspName, request, deletions, cancellationToken);

    [Function(LspFeature.PublishLinkFunction)]
    public Task<IResult> PublishLinkAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Put, Verb.Options, Route = LspFeature.LinkRecordRoute)] HttpRequest request,
        string lspName, CancellationToken cancellationToken) =>
        LspEndpoints.PublishLinkAsync(lspName, request, links, cancellationToken);

    [Function(LspFeature.UnpublishLinkFunction)]
    public Task<IResult> UnpublishLinkAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Verb.Delete, Verb.Options, Route = LspFeature.LinkRecordRoute)] HttpRequest request,
        string lspName, CancellationToken cancellationToken) =>
        LspEndpoints.UnpublishLinkAsync(lspName, request, links, cancellationToken);

    [Function(LspFeature.SweeperFunction)]
    public Task SweepAsync([TimerTrigger(SweeperSchedule)] TimerInfo timer, FunctionContext context, CancellationToken cancellationToken) =>
        runner.RunTimerAsync(LspFeature.SweeperFunction, timer, context, cancellationToken);

    [Function(LspFeature.RewrapFunction)]
    public Task RewrapAsync([TimerTrigger(RewrapSchedule)] TimerInfo timer, FunctionContext context, CancellationToken cancellationToken) =>
        runner.RunTimerAsync(LspFeature.RewrapFunction, timer, context, cancellationToken);
}
