using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Backend.Delivery;
using Dm3.Backend.Messaging;
using Dm3.Protocol.Ens;

namespace Dm3.Backend.Relay;

/// <summary>The physical name of the outbox queue (app setting <c>OutboxQueue</c>).</summary>
public sealed record OutboxQueue(string Name);

/// <summary>What <c>GET /outbox/{id}</c> answers.</summary>
public sealed record OutboxReport(string Id, string Status, string To, int Attempts, DateTimeOffset? NextAttemptAt, string? DeliveredTo, string? Reason);

/// <summary>
/// <c>POST /outbox</c> and <c>GET /outbox/{id}</c> (issue 11, outbox relay). The body is
/// <c>{"to": "&lt;receiver name&gt;", "envelope": &lt;dm3 EncryptionEnvelop, object or JSON string&gt;}</c>: the receiver is
/// named in clear because deliveryInformation is encrypted for the receiver's delivery service. Cheap checks before
/// anything is stored (as decisions §6): schema and size, a receiver name that normalises, and the envelope signature
/// against the authenticated sender's profile (a relay never carries an envelope its sender did not sign). Accepted:
/// one Outbox row, then <c>{id, kind: "outbox", ref: id}</c> on the <c>outbox</c> queue; the answer carries the id.
/// </summary>
public sealed class OutboxSubmission(
    OutboxStore outbox,
    DeliveryDirectory directory,
    DeliverySettings settings,
    IPipelinePublisher publisher,
    OutboxQueue queue,
    TimeProvider time)
{
    public const string Kind = "outbox";

    public async Task<DeliveryResult<OutboxReport>> SubmitAsync(AuthenticatedName sender, string? body, CancellationToken cancellationToken)
    {
        if (!TryReadBody(body, out var to, out var envelopeJson, out var bodyError))
        {
            return bodyError;
        }

        var submittable = MessageSubmission.ParseSubmittable(envelopeJson, settings);
        if (!submittable.IsOk)
        {
            return submittable.Error!;
        }

        var envelope = submittable.Value!;
        if (!EnsNormalization.TryNormalize(to, out var receiver, out var nameError))
        {
            return new DeliveryError(DeliveryErrorKind.InvalidParams, "outbox.bad_receiver", "to is not a valid name: " + nameError.Message);
        }

        var profile = await directory.ResolveCachedAsync(sender.Name, cancellationToken).ConfigureAwait(false);
        if (!profile.IsOk || !MessageSubmission.SignedBy(envelope, profile.Value!.Profile))
        {
            return new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.bad_signature", "The envelope signature does not verify against the sender's profile.");
        }

        var id = Guid.NewGuid().ToString("N");
        var entry = new OutboxEntry(id, sender.Name, receiver, OutboxState.Queued, 0, time.GetUtcNow(), null, null, null, envelope.CanonicalJson, null);
        await outbox.InsertAsync(entry, cancellationToken).ConfigureAwait(false);
        await publisher.PublishAsync(queue.Name, new PipelineMessage(id, Kind, id), cancellationToken).ConfigureAwait(false);
        return Report(entry);
    }

    /// <summary>The entry, only to its sender (another caller gets the same 404 as an unknown id).</summary>
    public async Task<DeliveryResult<OutboxReport>> GetAsync(AuthenticatedName sender, string? id, CancellationToken cancellationToken)
    {
        var entry = IsId(id) ? await outbox.GetAsync(id!, cancellationToken).ConfigureAwait(false) : null;
        return entry is not null && string.Equals(entry.Sender, sender.Name, StringComparison.Ordinal)
            ? Report(entry)
            : new DeliveryError(DeliveryErrorKind.UnknownReceiver, "outbox.not_found", "No outbox entry with this id for this sender.");
    }

    internal static bool IsId(string? id) =>
        id is { Length: 32 } && !id.AsSpan().ContainsAnyExcept("0123456789abcdef");

    private static OutboxReport Report(OutboxEntry entry) =>
        new(entry.Id, entry.Status, entry.To, entry.Attempts, entry.Status == OutboxState.Retrying ? entry.NextAttemptAt : null, entry.DeliveredTo, entry.Reason);

    private static bool TryReadBody(string? body, out string to, out string envelopeJson, out DeliveryError error)
    {
        to = envelopeJson = "";
        error = new DeliveryError(DeliveryErrorKind.InvalidRequest, "outbox.bad_body", "The body must be {\"to\": name, \"envelope\": envelope}.");
        JsonObject? json;
        try
        {
            json = body is null ? null : JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }

        if (json?["to"] is not JsonValue toValue || !toValue.TryGetValue(out string? toText) || json["envelope"] is not { } envelopeNode)
        {
            return false;
        }

        to = toText;
        envelopeJson = envelopeNode is JsonValue text && text.TryGetValue(out string? envelopeText) ? envelopeText : envelopeNode.ToJsonString();
        return true;
    }
}
