using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Backend.Delivery;
using Dm3.Backend.Messaging;
using Dm3.Backend.Resolution;
using Dm3.Backend.Runtime;
using Microsoft.Extensions.Logging;

namespace Dm3.Backend.Relay;

/// <summary>Retry budget of the relay: attempts in all, and the exponential backoff between them (with jitter).</summary>
public sealed record RelaySettings(int MaxAttempts = 8, TimeSpan BaseDelay = default, TimeSpan MaxDelay = default)
{
    public TimeSpan BaseDelay { get; init; } = BaseDelay == default ? TimeSpan.FromSeconds(5) : BaseDelay;

    public TimeSpan MaxDelay { get; init; } = MaxDelay == default ? TimeSpan.FromMinutes(15) : MaxDelay;

    /// <summary>Delay before attempt <paramref name="attempt"/> + 1: half of min(max, base·2^(attempt−1)) plus a random share of the other half.</summary>
    public TimeSpan Backoff(int attempt, double random)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + ceiling / 2 * Math.Clamp(random, 0, 1));
    }
}

/// <summary>How one relay attempt ended.</summary>
internal abstract record RelayOutcome(string Reason)
{
    public sealed record Delivered(string To) : RelayOutcome("");

    /// <summary>Worth trying again later (network, 5xx, 429, a resolution that could not reach the chain).</summary>
    public sealed record Transient(string Why) : RelayOutcome(Why);

    /// <summary>Trying again cannot help (the name does not resolve, every delivery service refused it).</summary>
    public sealed record Permanent(string Why) : RelayOutcome(Why);
}

/// <summary>
/// The <c>outbox</c> queue's handler (issue 11): relays one Outbox entry. A receiver hosted here goes straight into the
/// local pipeline (<see cref="MessageSubmission"/>: the same checks and inbox write as <c>dm3_submitMessage</c>). Any
/// other receiver is resolved (<see cref="NameResolver"/>: profile and <c>deliveryServices</c>), and the envelope is
/// submitted with <c>dm3_submitMessage</c> (JSON-RPC 2.0, <c>POST {url}/rpc</c>, wire formats §10.3) to each delivery
/// service in the profile's order until one accepts; every request goes through <see cref="IOutboundHttp"/> (decisions
/// §36). A JSON-RPC error from a delivery service is permanent for that service (the next one is tried); network
/// failures, 5xx and 429 are transient. Transient: the row records the attempt and the next one, and the message is
/// sent again with a visibility delay (exponential backoff with jitter); after <see cref="RelaySettings.MaxAttempts"/>
/// the row is failed and the message goes to the poison queue with the reason. At-least-once and idempotent: a final
/// row is never relayed again, state changes are ETag-guarded, and a re-submitted envelope is harmless at the receiving
/// delivery service (its inbox is keyed by sender and message hash).
/// </summary>
public sealed partial class RelayEnvelopeHandler(
    OutboxStore outbox,
    DeliveryDirectory directory,
    MessageSubmission local,
    NameResolver resolver,
    IOutboundHttp http,
    IPipelinePublisher publisher,
    OutboxQueue queue,
    RelaySettings settings,
    TimeProvider time,
    ILogger<RelayEnvelopeHandler> logger) : IQueueHandler
{
    public async Task HandleAsync(PipelineMessage message, DeliveryContext context, CancellationToken cancellationToken)
    {
        if (message.Kind != OutboxSubmission.Kind || !OutboxSubmission.IsId(message.Ref))
        {
            throw new MalformedMessageException("relay.bad_message: not an outbox reference");
        }

        var entry = await outbox.GetAsync(message.Ref, cancellationToken).ConfigureAwait(false)
            ?? throw new MalformedMessageException("relay.no_entry: the outbox entry does not exist");
        if (entry.IsFinal)
        {
            return;
        }

        var outcome = await AttemptAsync(entry, cancellationToken).ConfigureAwait(false);
        var attempts = entry.Attempts + 1;
        switch (outcome)
        {
            case RelayOutcome.Delivered delivered:
                await FinishAsync(entry, e => e with { Status = OutboxState.Delivered, Attempts = attempts, DeliveredTo = delivered.To, NextAttemptAt = null, Reason = null }, cancellationToken).ConfigureAwait(false);
                Delivered(logger, attempts);
                return;
            case RelayOutcome.Permanent:
                await FinishAsync(entry, e => e with { Status = OutboxState.Failed, Attempts = attempts, NextAttemptAt = null, Reason = outcome.Reason }, cancellationToken).ConfigureAwait(false);
                Refused(logger, attempts, Code(outcome.Reason));
                return;
        }

        if (attempts >= settings.MaxAttempts)
        {
            var reason = $"retry budget of {settings.MaxAttempts} attempts exhausted; last: {outcome.Reason}";
            await FinishAsync(entry, e => e with { Status = OutboxState.Failed, Attempts = attempts, NextAttemptAt = null, Reason = reason }, cancellationToken).ConfigureAwait(false);
            throw new MalformedMessageException($"relay.retry_budget_exhausted after {attempts} attempts: {Code(outcome.Reason)}");
        }

        var delay = settings.Backoff(attempts, Random.Shared.NextDouble());
        var retrying = entry with { Status = OutboxState.Retrying, Attempts = attempts, NextAttemptAt = time.GetUtcNow() + delay, Reason = outcome.Reason };
        if (!await outbox.TryUpdateAsync(retrying, cancellationToken).ConfigureAwait(false))
        {
            // Another attempt changed the row meanwhile (a duplicate message): it owns the next step.
            return;
        }

        await publisher.PublishDelayedAsync(queue.Name, new PipelineMessage(Guid.NewGuid().ToString("N"), OutboxSubmission.Kind, entry.Id), delay, cancellationToken).ConfigureAwait(false);
        Retrying(logger, attempts, (long)delay.TotalMilliseconds, Code(outcome.Reason));
    }

    private async Task<RelayOutcome> AttemptAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            return directory.Classify(entry.To).IsOk
                ? await DeliverLocallyAsync(entry, cancellationToken).ConfigureAwait(false)
                : await DeliverRemotelyAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new RelayOutcome.Transient("relay.exception: " + ex.GetType().Name);
        }
    }

    private async Task<RelayOutcome> DeliverLocallyAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var result = await local.SubmitAsync(entry.EnvelopeJson, cancellationToken).ConfigureAwait(false);
        return result.IsOk
            ? new RelayOutcome.Delivered(OutboxStore.LocalDelivery)
            : new RelayOutcome.Permanent($"{result.Error!.Code}: {result.Error.Message}");
    }

    private async Task<RelayOutcome> DeliverRemotelyAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var receiver = await resolver.ResolveAsync(entry.To, cancellationToken).ConfigureAwait(false);
        switch (receiver.Status)
        {
            case ResolutionStatus.Resolved:
                break;
            case ResolutionStatus.Failed when receiver.Error?.Code != "resolution.no_rpc":
                return new RelayOutcome.Transient($"{receiver.Error?.Code}: {receiver.Error?.Message}");
            default:
                return new RelayOutcome.Permanent($"{receiver.Error?.Code}: {receiver.Error?.Message}");
        }

        if (receiver.DeliveryServices.Count == 0)
        {
            return new RelayOutcome.Permanent("relay.no_delivery_service: the receiver's profile names no delivery service.");
        }

        var body = RequestBody(entry.EnvelopeJson);
        RelayOutcome? transient = null;
        var refusals = new List<string>();
        foreach (var ds in receiver.DeliveryServices)
        {
            if (ds.Profile is null)
            {
                transient ??= new RelayOutcome.Transient($"{ds.Error?.Code ?? "relay.ds_unresolved"}: delivery service {ds.Name} did not resolve.");
                continue;
            }

            var outcome = await SubmitAsync(ds.Name, ds.Profile.Url, body, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case RelayOutcome.Delivered:
                    return outcome;
                case RelayOutcome.Transient:
                    transient ??= outcome;
                    break;
                default:
                    refusals.Add(outcome.Reason);
                    break;
            }
        }

        return transient ?? new RelayOutcome.Permanent(string.Join("; ", refusals));
    }

    private async Task<RelayOutcome> SubmitAsync(string dsName, string baseUrl, string body, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/rpc", UriKind.Absolute, out var url))
        {
            return new RelayOutcome.Permanent($"relay.bad_ds_url: delivery service {dsName} has no usable URL.");
        }

        var response = await http.SendAsync(new OutboundRequest(url, body), cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case OutboundStatus.Refused:
                return new RelayOutcome.Permanent($"relay.refused_by_policy: {dsName}: {response.Reason}");
            case OutboundStatus.Failed:
                return new RelayOutcome.Transient($"relay.network: {dsName}: {response.Reason}");
        }

        if (response.StatusCode is 429 or >= 500)
        {
            return new RelayOutcome.Transient($"relay.http_{response.StatusCode}: {dsName} answered {response.StatusCode}.");
        }

        var (result, error) = ReadResponse(response.Body);
        if (response.StatusCode is >= 200 and < 300 && result)
        {
            return new RelayOutcome.Delivered(url.GetLeftPart(UriPartial.Path));
        }

        return new RelayOutcome.Permanent($"relay.rejected: {dsName} answered {response.StatusCode} {error ?? "without a JSON-RPC result"}");
    }

    internal static string RequestBody(string envelopeJson) => new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["id"] = 1,
        ["method"] = "dm3_submitMessage",
        ["params"] = new JsonArray(envelopeJson),
    }.ToJsonString();

    /// <summary>(true, null) for a JSON-RPC result; (false, "code reason: message") for an error.</summary>
    private static (bool Result, string? Error) ReadResponse(byte[] body)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject response)
            {
                return (false, null);
            }

            if (response["error"] is JsonObject error)
            {
                var reason = error["data"]?["reason"]?.ToString();
                return (false, $"{error["code"]} {reason}: {error["message"]}");
            }

            return (response.ContainsKey("result"), null);
        }
        catch (JsonException)
        {
            return (false, "a body that is not JSON: " + Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 80)));
        }
    }

    /// <summary>Applies a final state, ETag-guarded; re-reads on a conflict and stops when another attempt already finished it.</summary>
    private async Task FinishAsync(OutboxEntry entry, Func<OutboxEntry, OutboxEntry> change, CancellationToken cancellationToken)
    {
        for (var current = entry; current is not null && !current.IsFinal;
             current = await outbox.GetAsync(entry.Id, cancellationToken).ConfigureAwait(false))
        {
            if (await outbox.TryUpdateAsync(change(current), cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>The leading code of a reason ("relay.http_503: …" → "relay.http_503"), for logs that never carry names.</summary>
    private static string Code(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? reason[..colon] : reason;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Outbox entry delivered after {Attempts} attempt(s)")]
    private static partial void Delivered(ILogger logger, int attempts);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Outbox entry failed for good after {Attempts} attempt(s): {ReasonCode}")]
    private static partial void Refused(ILogger logger, int attempts, string reasonCode);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Outbox entry retried (attempt {Attempts}) in {DelayMs} ms: {ReasonCode}")]
    private static partial void Retrying(ILogger logger, int attempts, long delayMs, string reasonCode);
}
