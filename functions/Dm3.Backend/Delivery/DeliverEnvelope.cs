using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Backend.Storage;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Messaging;

namespace Dm3.Backend.Delivery;

/// <summary>
/// Queue function <c>DeliverEnvelope</c> (queue <c>%EnvelopesQueue%</c>): takes the pending envelope named by the
/// message's ref, replaces deliveryInformation by its decrypted form, adds the postmark (signed with the DS Ed25519 key,
/// encrypted to the receiver's current profile key, timestamp = the inbox entry's arrival time) and stores it in the
/// receiver's inbox, then removes the pending row. Idempotent by (receiver, sender, message hash): see
/// <see cref="InboxStore"/>. A message whose pending row is gone was already delivered (or swept): no-op.
/// Failures throw, with reasons that carry codes but no names, addresses or payloads (they are logged and end in the
/// poison queue after the retries).
/// </summary>
public sealed class DeliverEnvelopeHandler(DeliveryDirectory directory, DeliveryStorage storage, InboxStore inbox, DeliveryKeys keys) : IQueueHandler
{
    public async Task HandleAsync(PipelineMessage message, DeliveryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind != EnvelopeRef.Kind)
        {
            throw new InvalidOperationException($"DeliverEnvelope expects kind '{EnvelopeRef.Kind}', got a message of another kind.");
        }

        if (!EnvelopeRef.TryParse(message.Ref, out var reference))
        {
            throw new FormatException("The message ref is not '<message hash>|<receiver address>|<sender name>'.");
        }

        var store = await storage.Envelopes.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var pending = await store.GetAsync(storage.Envelopes.Name, reference.MessageHash, reference.RowKey, cancellationToken).ConfigureAwait(false);
        if (pending is null)
        {
            return;
        }

        var envelope = EncryptionEnvelope.Parse(ChunkedText.Read(pending, MessageSubmission.EnvelopeColumn)
            ?? throw new InvalidOperationException("The pending envelope row has no envelope."));
        var info = DeliveryInformation.TryParse(pending.GetString(MessageSubmission.DeliveryInformationColumn), out var parsed, out var infoError)
            ? parsed
            : throw new InvalidOperationException("The pending envelope row has invalid deliveryInformation: " + infoError.Code);
        var acceptedAt = pending.GetInt64(MessageSubmission.AcceptedAtColumn) ?? throw new InvalidOperationException("The pending envelope row has no acceptance time.");

        var receiver = await directory.ResolveCachedAsync(pending.GetString(MessageSubmission.ReceiverNameColumn), cancellationToken).ConfigureAwait(false);
        if (!receiver.IsOk)
        {
            throw new InvalidOperationException("The receiver no longer resolves: " + receiver.Error!.Code);
        }

        if (receiver.Value!.Address != reference.ReceiverAddress)
        {
            throw new InvalidOperationException("The receiver name now resolves to another address.");
        }

        if (!receiver.Value.Profile.Profile.TryDecodeKeys(out var receiverEncryptionKey, out _, out var keyError))
        {
            throw new InvalidOperationException("The receiver's profile has no usable encryption key: " + keyError.Code);
        }

        var stored = envelope.WithDeliveryInformation(info);
        await inbox.DeliverAsync(reference.ReceiverAddress, reference.From, reference.MessageHash, acceptedAt,
            arrivedAt => Postmarker.AddPostmark(stored, keys.SigningPrivateKey, receiverEncryptionKey, arrivedAt).CanonicalJson,
            cancellationToken).ConfigureAwait(false);

        await InboxStore.DeleteIfPresentAsync(store, storage.Envelopes.Name, reference.MessageHash, reference.RowKey, cancellationToken).ConfigureAwait(false);
    }
}
