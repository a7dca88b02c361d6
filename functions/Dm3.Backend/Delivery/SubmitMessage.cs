using System.Diagnostics.CodeAnalysis;
using Dm3.Backend.Messaging;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Messaging;

namespace Dm3.Backend.Delivery;

/// <summary>
/// The reference a pipeline message carries (decisions §1): <c>&lt;message hash&gt;|&lt;receiver address&gt;|&lt;sender name&gt;</c>,
/// naming the <c>Inbox</c> row PK = receiver address, RK = <c>&lt;sender name&gt;|&lt;message hash&gt;</c> (see <see cref="InboxStore"/>).
/// ('|' occurs in none of the three parts: hashes and addresses are hex, names are ASCII letters, digits, hyphens and dots.)
/// </summary>
public sealed record EnvelopeRef(string MessageHash, string ReceiverAddress, string From)
{
    public const string Kind = "envelope";

    public string PartitionKey => ReceiverAddress;

    public string RowKey => InboxStore.RowKeyOf(From, MessageHash);

    public override string ToString() => MessageHash + "|" + ReceiverAddress + "|" + From;

    public static bool TryParse(string? text, [NotNullWhen(true)] out EnvelopeRef? value)
    {
        value = null;
        var parts = text?.Split('|');
        if (parts is not { Length: 3 } || !IsHash(parts[0]) || !EnsNameRules.IsAddressLabel(parts[1]) || !EnsNameRules.TryValidateName(parts[2], out _))
        {
            return false;
        }

        value = new EnvelopeRef(parts[0], parts[1], parts[2]);
        return true;
    }

    internal static bool IsHash(string text) =>
        text.Length == 66 && text.StartsWith("0x", StringComparison.Ordinal) && !text.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF");
}

/// <summary>
/// <c>dm3_submitMessage</c>: the cheap checks answered to the caller (decisions §6), then store + enqueue.
/// <list type="number">
/// <item>schema (tolerant reader, wire formats §8.2; a submitted postmark or an already-decrypted deliveryInformation is refused);</item>
/// <item>size: UTF-8 bytes of the canonical envelope ≤ sizeLimit;</item>
/// <item>deliveryInformation decrypts with the DS X25519 key; <c>to</c> and <c>from</c> are names we accept;</item>
/// <item>the receiver is hosted here, resolves, and has an account;</item>
/// <item>the envelope signature, when the sender's name is hosted here (it must then resolve); a sender name under our
/// parents that is not an issued address name (<c>ds.&lt;P&gt;</c>, <c>&lt;P&gt;</c>, <c>foo.&lt;P&gt;</c>) is refused;</item>
/// <item>receiver spam rules that need no chain data (decisions §7). dm3's rules (<c>minNonce</c>, <c>minBalance</c>,
/// <c>minTokenBalance</c>) all read the chain and the message type is encrypted (so <c>notSupportedMessageTypes</c> is
/// the receiver client's business): there is nothing chain-free to enforce yet; chain rules come with a chain RPC.</item>
/// </list>
/// A refusal stores and queues nothing. An accepted envelope is written once into the receiver's <c>Inbox</c> partition
/// as a pending row (<see cref="InboxStore.AcceptAsync"/>: one insert-if-absent) and then announced with
/// <c>{id, kind: "envelope", ref}</c>; the answer comes only after both succeeded. Submitting the same envelope again
/// is idempotent ("OK"; announced again only while it is still pending, so a failed announcement is retried by the
/// client's retry); another envelope under the same receiver, sender and message hash is refused
/// (<c>envelope.duplicate_hash</c>), whether the first is pending or delivered, instead of being accepted and dropped.
/// Link-protocol messages (LINK, LINK_RECOVER, LINK_ACCEPT) are ordinary envelopes here: the type is inside the
/// end-to-end encryption.
/// </summary>
public sealed class MessageSubmission(
    DeliveryDirectory directory,
    InboxStore inbox,
    DeliveryKeys keys,
    DeliverySettings settings,
    IPipelinePublisher publisher,
    EnvelopeQueue queue,
    TimeProvider time,
    Resolution.NameResolver? resolver = null)
{
    public async Task<DeliveryResult<EnvelopeRef>> SubmitAsync(string? envelopeJson, CancellationToken cancellationToken)
    {
        var checkedEnvelope = await CheckAsync(envelopeJson, cancellationToken).ConfigureAwait(false);
        if (!checkedEnvelope.IsOk)
        {
            return checkedEnvelope.Error!;
        }

        var (envelope, info, decrypted, receiver) = checkedEnvelope.Value!;
        var reference = new EnvelopeRef(envelope.MessageHash, receiver.Address, info.From);
        var (accepted, insertedETag) = await inbox.AcceptWithETagAsync(reference, envelope.CanonicalJson, decrypted.ToCanonicalJson(), receiver.Name,
            time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        switch (accepted)
        {
            case AcceptStatus.Different:
                return new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.duplicate_hash",
                    "Another envelope with this message hash from this sender is already held for this receiver.");
            case AcceptStatus.AlreadyDelivered:
                return reference;
        }

        // A fresh id per announcement (the delivery handler is idempotent by its inbox key, not by this id); the
        // transport's duplicate detection still collapses the publisher's own retries of this one send.
        try
        {
            await publisher.PublishAsync(queue.Name, new PipelineMessage(Guid.NewGuid().ToString("N"), EnvelopeRef.Kind, reference.ToString()), cancellationToken).ConfigureAwait(false);
        }
        catch when (accepted == AcceptStatus.Accepted && insertedETag is not null)
        {
            // The caller is told nothing was accepted (decisions §6): withdraw the row this request inserted (guarded by
            // the insert's ETag, so a row changed since is left), then let the failure surface.
            await inbox.WithdrawAsync(reference, insertedETag, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return reference;
    }

    private async Task<DeliveryResult<CheckedEnvelope>> CheckAsync(string? envelopeJson, CancellationToken cancellationToken)
    {
        if (envelopeJson is null)
        {
            return new DeliveryError(DeliveryErrorKind.InvalidParams, "rpc.envelope_missing", "params[0] must be the envelope as a JSON string.");
        }

        var submittable = ParseSubmittable(envelopeJson, settings);
        if (!submittable.IsOk)
        {
            return submittable.Error!;
        }

        var envelope = submittable.Value!;
        if (!keys.Decryptor.TryDecrypt(envelope, out var info, out var decryptError))
        {
            return DeliveryError.From(DeliveryErrorKind.Undecryptable, decryptError);
        }

        var decrypted = info;
        info = info with { To = DeliveryDirectory.Normalize(info.To), From = DeliveryDirectory.Normalize(info.From) };
        if (!EnsNameRules.TryValidateName(info.From, out _))
        {
            // A sender on another delivery service may hold any ENS name: ENSIP-15 replaces decisions §18's ASCII rule for
            // names we resolve (issue 11). A spelling that normalises onto a name under our parents is checked as that name.
            if (!EnsNormalization.TryNormalize(decrypted.From, out var normalizedFrom, out var fromError))
            {
                return new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.bad_sender", "deliveryInformation.from is not a name this service accepts: " + fromError.Message);
            }

            info = info with { From = normalizedFrom };
        }

        var receiver = await directory.ResolveCachedAsync(info.To, cancellationToken).ConfigureAwait(false);
        if (!receiver.IsOk)
        {
            return receiver.Error! with { Kind = receiver.Error!.Kind == DeliveryErrorKind.InvalidParams ? DeliveryErrorKind.UnknownReceiver : receiver.Error.Kind };
        }

        if (!await directory.HasAccountCachedAsync(receiver.Value!.Address, cancellationToken).ConfigureAwait(false))
        {
            return new DeliveryError(DeliveryErrorKind.UnknownReceiver, "account.not_found", "The receiver has no account at this delivery service.");
        }

        var senderCheck = await CheckSenderAsync(envelope, info.From, cancellationToken).ConfigureAwait(false);
        if (senderCheck is not null)
        {
            return senderCheck;
        }

        return new CheckedEnvelope(envelope, info, decrypted, receiver.Value);
    }

    /// <summary>Verifies the metadata signature against the sender's profile: hosted here from storage, any other sender
    /// through its RESOLVED profile (issue 11; unresolvable counts as a bad signature); refuses names under our parents
    /// that are not issued address names.</summary>
    private async Task<DeliveryError?> CheckSenderAsync(EncryptionEnvelope envelope, string from, CancellationToken cancellationToken)
    {
        if (!directory.Classify(from).IsOk)
        {
            return directory.IsOwnButNotIssued(from)
                ? new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.sender_not_issued",
                    "deliveryInformation.from is under a parent name served here but is not an address name issued here, so it can never be a sender.")
                : await CheckForeignSenderAsync(envelope, from, cancellationToken).ConfigureAwait(false);
        }

        var sender = await directory.ResolveCachedAsync(from, cancellationToken).ConfigureAwait(false);
        if (!sender.IsOk)
        {
            return new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.sender_not_resolved", "The sender's name is hosted here but does not resolve.");
        }

        return SignedBy(envelope, sender.Value!.Profile)
            ? null
            : new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.bad_signature", "The envelope signature does not verify against the sender's profile.");
    }

    /// <summary>Schema (tolerant reader), submittable form (encrypted deliveryInformation, no postmark) and size: the checks
    /// before any key or lookup, shared with <c>POST /outbox</c>.</summary>
    internal static DeliveryResult<EncryptionEnvelope> ParseSubmittable(string envelopeJson, DeliverySettings settings)
    {
        if (!EncryptionEnvelope.TryParse(envelopeJson, out var envelope, out var schemaError))
        {
            return DeliveryError.From(DeliveryErrorKind.InvalidParams, schemaError);
        }

        if (envelope.Postmark is not null || envelope.Metadata.EncryptedDeliveryInformation is null)
        {
            return new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.not_submittable",
                "A submitted envelope carries encrypted deliveryInformation and no postmark.");
        }

        return envelope.Size > settings.SizeLimit
            ? new DeliveryError(DeliveryErrorKind.TooLarge, "envelope.too_large", $"The envelope is larger than the size limit of {settings.SizeLimit} bytes.")
            : envelope;
    }

    /// <summary>The envelope's metadata signature verifies against the profile's Ed25519 signing key.</summary>
    internal static bool SignedBy(EncryptionEnvelope envelope, Dm3.Protocol.Profiles.SignedUserProfile profile) =>
        profile.Profile.TryDecodeKeys(out _, out var signingKey, out _) && envelope.Metadata.VerifySignature(signingKey);

    private async Task<DeliveryError?> CheckForeignSenderAsync(EncryptionEnvelope envelope, string from, CancellationToken cancellationToken)
    {
        if (resolver is null)
        {
            return new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.sender_not_resolved", "Senders on other delivery services cannot be verified here (no resolver).");
        }

        var sender = await resolver.ResolveAsync(from, cancellationToken).ConfigureAwait(false);
        if (sender.Status != Resolution.ResolutionStatus.Resolved)
        {
            return new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.sender_not_resolved",
                "The sender's profile could not be resolved to verify the envelope signature: " + sender.Error?.Code);
        }

        return SignedBy(envelope, sender.Profile!)
            ? null
            : new DeliveryError(DeliveryErrorKind.InvalidParams, "envelope.bad_signature", "The envelope signature does not verify against the sender's resolved profile.");
    }

    /// <param name="Info">deliveryInformation with normalised names (keys); <paramref name="Decrypted"/> as sent (stored).</param>
    private sealed record CheckedEnvelope(EncryptionEnvelope Envelope, DeliveryInformation Info, DeliveryInformation Decrypted, ResolvedName Receiver);
}

/// <summary>The physical name of the envelopes queue (app setting <c>EnvelopesQueue</c>).</summary>
public sealed record EnvelopeQueue(string Name);
