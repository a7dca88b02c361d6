using Dm3.Backend.Messaging;
using Dm3.Backend.Runtime;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Messaging;

namespace Dm3.Backend.Delivery;

/// <summary>
/// Queue function <c>DeliverEnvelope</c> (queue <c>%EnvelopesQueue%</c>): reads the pending inbox row named by the
/// message's ref (1 Table transaction), replaces deliveryInformation by its decrypted form, adds the postmark (signed
/// with the DS Ed25519 key, encrypted to the receiver's current profile key, timestamp = the row's arrival time) and
/// replaces the row with the stored envelope, <c>State = delivered</c>, guarded by the ETag it read (1 transaction).
/// <para>
/// Idempotent by construction, so it is registered with <c>idempotent: true</c> and the runtime keeps no processed-id
/// record for it: a row already delivered is left alone; of two concurrent runs only one replace matches the ETag and
/// the other re-reads, finds it delivered and stops (one entry, one postmark); a row that is gone (acknowledged from
/// another copy, swept) is not recreated. The message id plays no part.
/// </para>
/// Failures throw, with reasons that carry codes but no names, addresses or payloads: a message that can never succeed
/// (another kind, a ref that does not parse, a stored row with unreadable deliveryInformation) as
/// <see cref="MalformedMessageException"/>, which the runtime poisons at once; anything else is logged and retried, then
/// poisoned after the retries.
/// </summary>
public sealed class DeliverEnvelopeHandler(DeliveryDirectory directory, InboxStore inbox, DeliveryKeys keys, TimeProvider time) : IQueueHandler
{
    /// <summary>Lost ETag races tolerated before giving up (the transport then retries the message).</summary>
    private const int MaxAttempts = 3;

    public async Task HandleAsync(PipelineMessage message, DeliveryContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind != EnvelopeRef.Kind)
        {
            throw new MalformedMessageException($"DeliverEnvelope expects kind '{EnvelopeRef.Kind}', got a message of another kind.");
        }

        if (!EnvelopeRef.TryParse(message.Ref, out var reference))
        {
            throw new MalformedMessageException("The message ref is not '<message hash>|<receiver address>|<sender name>'.");
        }

        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var row = await inbox.GetAsync(reference, cancellationToken).ConfigureAwait(false);
            if (row is null || row.Delivered)
            {
                return;
            }

            var stored = await RenderAsync(reference, row, cancellationToken).ConfigureAwait(false);
            if (await inbox.MarkDeliveredAsync(row, stored, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }

        throw new InvalidOperationException("The inbox row kept changing while it was being delivered.");
    }

    /// <summary>The stored envelope: the submitted one with deliveryInformation decrypted and the postmark added.</summary>
    private async Task<string> RenderAsync(EnvelopeRef reference, InboxRow row, CancellationToken cancellationToken)
    {
        var envelope = EncryptionEnvelope.Parse(row.Envelope);
        var info = DeliveryInformation.TryParse(row.DeliveryInformationJson, out var parsed, out var infoError)
            ? parsed
            : throw new MalformedMessageException("The pending inbox row has invalid deliveryInformation: " + infoError.Code);

        var receiver = await directory.ResolveCachedAsync(row.ReceiverName, cancellationToken).ConfigureAwait(false);
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

        return Postmarker.AddPostmark(envelope.WithDeliveryInformation(info), keys.SigningPrivateKey, receiverEncryptionKey, row.ArrivedAt).CanonicalJson;
    }
}
