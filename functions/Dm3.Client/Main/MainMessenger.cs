using System.Text.Json.Nodes;
using Dm3.Client.Messaging;
using Dm3.Client.State;
using Dm3.Client.Transport;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Siwe;

namespace Dm3.Client.Main;

/// <summary>What the approval UI is shown for a validated request (§8.3 step 10): the owner wallet, prominently, and whether it is another wallet.</summary>
public sealed record ApprovalPrompt(string Id, string Type, string ProfileName, string Owner, bool SameWallet, DateTimeOffset ExpiresAt)
{
    /// <summary>The text a UI shows; a request by another wallet carries the warning.</summary>
    public string Text => (Type == "LINK" ? $"Link {ProfileName}" : $"Send the keys of {ProfileName} to a recovering device")
        + $" requested by wallet {Owner}?" + (SameWallet ? " (same wallet)" : " WARNING: another wallet than your main profile's asked for this; confirm explicitly.");
}

/// <summary>The user's answer to an <see cref="ApprovalPrompt"/>.</summary>
public sealed record ApprovalDecision(bool Accept, bool ConfirmOtherWallet = false, bool Public = false, int Days = 180);

/// <summary>
/// The main messenger's side of the link protocol: validates LINK (§8.3 steps 1–10, in order, silent drop) and
/// LINK_RECOVER (§8.5 with §16 item 10), keeps the replay and seen-signature sets (§16 item 9), enforces the limits
/// of step 9, stores accepted links encrypted (<see cref="LinkVault"/>) and answers with LINK_ACCEPT.
/// </summary>
public sealed class MainMessenger(ClientContext context)
{
    public const int MaxLinked = 64;
    public const int MaxPending = 16;
    public const int MaxPerProfilePerDay = 3;
    public const string AcceptText = "dm3 service message (LINK_ACCEPT).";

    /// <summary>Fetches the inbox, keeps readable copies and validates link requests. Returns the new pending requests.</summary>
    public async Task<List<IncomingRequest>> ProcessInboxAsync(Identity main, CancellationToken ct,
        Func<ApprovalPrompt, ValueTask<ApprovalDecision>>? approve = null)
    {
        var added = new List<IncomingRequest>();
        Expire(main);
        foreach (var received in await context.FetchAsync(main, ct).ConfigureAwait(false))
        {
            ClientContext.Remember(main, received);
            if (received.Message.Metadata.Type is MessageType.Link or MessageType.LinkRecover
                && await ValidateAsync(main, received.Message, ct).ConfigureAwait(false) is { } request)
            {
                if (request.Refreshed)
                {
                    await SendRefreshAcceptAsync(main, request, ct).ConfigureAwait(false);
                }
                else
                {
                    added.Add(request);
                }
            }
        }

        if (approve is not null)
        {
            foreach (var request in added)
            {
                var decision = await approve(Prompt(request)).ConfigureAwait(false);
                if (decision.Accept)
                {
                    await AcceptAsync(main, request.Id, decision.Public, decision.Days, decision.ConfirmOtherWallet, ct).ConfigureAwait(false);
                }
            }
        }

        return added;
    }

    public static ApprovalPrompt Prompt(IncomingRequest r) =>
        new(r.Id, r.Type, r.ProfileName, r.Owner, r.SameWallet, DateTimeOffset.FromUnixTimeSeconds(r.ExpiresAt));

    /// <summary>The first 16 hex characters of sha256(UTF-8(linkMessage)) (lsp-cli.md §2).</summary>
    public static string RequestId(string linkMessage) => Hashes.Sha256HexOfUtf8(linkMessage)[2..18];

    /// <summary>
    /// §8.3 / §8.5 on one decrypted message addressed to <paramref name="main"/>. Returns the new pending request, or
    /// null when it was dropped (the reason goes to the context's drop log only). A refresh of an existing link comes back
    /// with <see cref="IncomingRequest.Refreshed"/> set, already stored and not pending.
    /// </summary>
    public async Task<IncomingRequest?> ValidateAsync(Identity main, Message message, CancellationToken ct)
    {
        var recover = message.Metadata.Type == MessageType.LinkRecover;
        var type = recover ? LinkMessageType.LinkRecover : LinkMessageType.Link;
        var now = context.Now;

        // 1. Envelope and Message: signature by the published key of `from`; `to` is this main profile.
        var sender = await context.Directory.ResolveAsync(message.Metadata.From, ct).ConfigureAwait(false);
        if (sender is null || !message.VerifySignature(sender.SigningPublicKey))
        {
            return Drop("1: the message signature does not verify with the sender's published key");
        }

        if (!SameName(message.Metadata.To, main.Name))
        {
            return Drop("1: the message is not addressed to this main profile");
        }

        // 2. The link object of this type; (LINK) profileName = from, LSP name form.
        if (message.Metadata.Link is null || !LinkObject.TryParse(message.Metadata.Link, type, out var link, out var error))
        {
            return Drop("2: link object invalid");
        }

        if (!recover && !SameName(link.ProfileName, sender.Name))
        {
            return Drop("2: link.profileName is not the sender");
        }

        // 3. The Link Message: strict form, type, resources (profile, main = own name, profile hash; requester = from).
        if (!LinkMessage.TryParse(link.LinkMessage, out var lm, out error) || lm.Type != type || !SameName(lm.MainProfileName, main.Name)
            || lm.ProfileName != link.ProfileName || lm.ProfileHash != link.ProfileHash || (recover && !SameName(lm.Requester, sender.Name)))
        {
            return Drop("3: Link Message does not match");
        }

        // 4. Time.
        if (lm.CheckTime(now) is { } timeError)
        {
            return Drop("4: " + timeError.Code);
        }

        // 5. Wallet signature on a configured chain.
        if (!context.ChainIds.Contains(lm.ChainId)
            || EcrecoverSignatureChecker.Check(new SignatureCheckRequest(link.LinkMessage, lm.Owner, link.Signature, lm.ChainId)) is not null)
        {
            return Drop("5: wallet signature invalid or chain not accepted");
        }

        // 6. Replay: a second copy of a pending request is the same request; otherwise nonce and signature must be new.
        var id = RequestId(link.LinkMessage);
        if (main.Incoming.Any(r => r.Id == id))
        {
            return Drop("6: same request already pending");
        }

        var owner = Ethereum.ToChecksumAddress(lm.Owner);
        var nonceKey = "nonce:" + owner.ToLowerInvariant() + ":" + lm.Nonce;
        var sigKey = "sig:" + SignatureKey(link.Signature);
        Sweep(main.Replay, now);
        if (main.Replay.Any(e => e.Key == nonceKey || e.Key == sigKey))
        {
            return Drop("6: replayed nonce or signature");
        }

        // 7. The published profile of profileName: verified against addr(profileName) = its address label; hash matches.
        if (!LspNames.TryParseLspName(link.ProfileName, out var label, out _, out _))
        {
            return Drop("7: not an LSP name");
        }

        var lsp = await context.Directory.ResolveAsync(link.ProfileName, ct).ConfigureAwait(false);
        if (lsp is null || !lsp.Address.AsSpan().SequenceEqual(label) || lsp.ProfileHash != link.ProfileHash)
        {
            return Drop("7: published profile missing, of another address, or of another hash");
        }

        // 8. Key consistency (LINK: the sent keys; LINK_RECOVER: the stored link with the same owner, §8.5, §16 item 10).
        var linked = LinkVault.Open(main);
        if (recover)
        {
            var stored = linked.FirstOrDefault(l => l.ProfileName == link.ProfileName);
            if (stored is null)
            {
                return Drop("8.5: not an existing link");
            }

            if (!string.Equals(stored.Owner, owner, StringComparison.OrdinalIgnoreCase))
            {
                return Drop("8.5: another owner wallet than the one that linked it");
            }

            if (!KeysDerive(lsp, stored.ProfileSeed, stored.WalletPrivateKey))
            {
                return Drop("8.5: the stored keys do not derive the published profile");
            }
        }
        else if (!KeysDerive(lsp, link.ProfilePrivateKey!, link.WalletPrivateKey!))
        {
            return Drop("8: keys do not derive the published profile");
        }

        // 9. Limits (only pending, valid requests count).
        Sweep(main.RequestLog, now);
        if ((!recover && linked.Count(l => l.ProfileName != link.ProfileName) >= MaxLinked) || main.Incoming.Count >= MaxPending
            || main.RequestLog.Count(e => e.Key == link.ProfileName) >= MaxPerProfilePerDay)
        {
            return Drop("9: limits");
        }

        var keepUntil = lm.ExpirationTime.AddDays(1).ToUnixTimeSeconds();
        main.Replay.Add(new ReplayEntry(nonceKey, keepUntil));
        main.Replay.Add(new ReplayEntry(sigKey, keepUntil));
        main.RequestLog.Add(new ReplayEntry(link.ProfileName, now.AddDays(1).ToUnixTimeSeconds()));

        // 10. Owner relation, shown by the approval UI.
        var sameWallet = string.Equals(main.Owner, owner, StringComparison.OrdinalIgnoreCase);
        var request = new IncomingRequest(id, type.ToWire(), sender.Name, link.ProfileName, owner, sameWallet, lm.ExpirationTime.ToUnixTimeSeconds(),
            now.ToUnixTimeSeconds(), link.ToCanonicalJson());

        // Refresh (§8.3, §14 "Re-sent LINK"): an already linked profile re-sent by the same owner with identical keys is
        // accepted automatically (new Link Message and profile hash); any difference is a new request for the UI.
        if (!recover && linked.FirstOrDefault(l => l.ProfileName == link.ProfileName) is { } existing
            && string.Equals(existing.Owner, owner, StringComparison.OrdinalIgnoreCase)
            && existing.ProfileSeed == link.ProfilePrivateKey
            && string.Equals(existing.WalletPrivateKey, link.WalletPrivateKey, StringComparison.OrdinalIgnoreCase))
        {
            linked.Remove(existing);
            linked.Add(existing with { LinkMessage = link.LinkMessage, ProfileHash = link.ProfileHash, AcceptedAt = now.ToUnixTimeSeconds(), Nonce = link.Nonce });
            LinkVault.Seal(main, linked);
            return request with { Refreshed = true };
        }

        main.Incoming.Add(request);
        return request;
    }

    /// <summary>Accepts a pending request: stores the link (LINK) and sends LINK_ACCEPT (keys for a LINK_RECOVER, an attestation if public).</summary>
    public async Task<(IncomingRequest Request, bool Attestation)> AcceptAsync(Identity main, string id, bool makePublic, int days, bool confirmOtherWallet,
        CancellationToken ct)
    {
        var request = main.Incoming.FirstOrDefault(r => r.Id == id) ?? throw new ClientException("not_found", $"No pending request {id}.");
        var recover = request.Type == LinkMessageType.LinkRecover.ToWire();
        if (!request.SameWallet && !confirmOtherWallet)
        {
            throw new ClientException("confirm_other_wallet",
                $"Wallet {request.Owner} is not your main profile's wallet; accept only with an explicit confirmation (--confirm-other-wallet).");
        }

        if (request.ExpiresAt <= context.Now.ToUnixTimeSeconds())
        {
            main.Incoming.Remove(request);
            throw new ClientException("expired", "The request has expired.");
        }

        if (days is < 1 or > 365)
        {
            throw new ClientException("invalid_days", "--days is 1 to 365.");
        }

        var link = LinkObject.TryParse(request.Link, recover ? LinkMessageType.LinkRecover : LinkMessageType.Link, out var l, out var e)
            ? l : throw new ClientException("invalid_request", e.Message);
        var keys = ClientContext.KeysOf(main);
        var linked = LinkVault.Open(main);
        LinkObject answer;
        LinkAttestation? attestation = null;
        if (recover)
        {
            var stored = linked.First(x => x.ProfileName == link.ProfileName);
            answer = LinkObject.ForAccept(link, keys.SigningPrivateKey, null, (stored.Origin, stored.ProfileSeed, stored.WalletPrivateKey, stored.Nonce));
        }
        else
        {
            if (makePublic)
            {
                var now = context.Now.ToUnixTimeSeconds();
                attestation = new LinkAttestation(main.Name, link.ProfileName, link.ProfileHash, now, now + (days * 86400L)).Sign(keys.SigningPrivateKey);
            }

            linked.RemoveAll(x => x.ProfileName == link.ProfileName);
            linked.Add(new AcceptedLink(link.ProfileName, link.ProfilePrivateKey!, link.WalletPrivateKey!, link.Origin!, request.Owner, link.LinkMessage,
                link.ProfileHash, context.Now.ToUnixTimeSeconds(), link.Nonce));
            answer = LinkObject.ForAccept(link, keys.SigningPrivateKey, attestation);
        }

        await context.SendAsync(main, request.From, MessageType.LinkAccept, AcceptText, answer.ToJson(), ct).ConfigureAwait(false);
        if (!recover)
        {
            LinkVault.Seal(main, linked);
        }

        main.Incoming.Remove(request);
        return (request, attestation is not null);
    }

    /// <summary>Answers a refreshed link (already stored by <see cref="ValidateAsync"/>) with LINK_ACCEPT, without an attestation.</summary>
    private async Task SendRefreshAcceptAsync(Identity main, IncomingRequest request, CancellationToken ct)
    {
        if (LinkObject.TryParse(request.Link, LinkMessageType.Link, out var link, out _))
        {
            var answer = LinkObject.ForAccept(link, ClientContext.KeysOf(main).SigningPrivateKey, null);
            await context.SendAsync(main, request.From, MessageType.LinkAccept, AcceptText, answer.ToJson(), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Rejects a pending request: nothing is sent.</summary>
    public static bool Reject(Identity main, string id)
    {
        ArgumentNullException.ThrowIfNull(main);
        return main.Incoming.RemoveAll(r => r.Id == id) > 0;
    }

    private static bool KeysDerive(Directory.ResolvedProfile lsp, string profileSeed, string walletPrivateKey)
    {
        if (!Base64Std.TryDecode(profileSeed, out var seed, 32) || !Hex.TryDecode(walletPrivateKey, out var wallet) || !Secp256k1.IsValidPrivateKey(wallet))
        {
            return false;
        }

        var (enc, sig) = LspKeyDerivation.ProfilePublicKeys(seed);
        return enc.AsSpan().SequenceEqual(lsp.EncryptionPublicKey) && sig.AsSpan().SequenceEqual(lsp.SigningPublicKey)
            && Ethereum.AddressFromPrivateKey(wallet).AsSpan().SequenceEqual(lsp.Address);
    }

    internal static bool KeysDeriveProfile(Directory.ResolvedProfile lsp, string profileSeed, string walletPrivateKey) => KeysDerive(lsp, profileSeed, walletPrivateKey);

    private static string SignatureKey(string signatureHex) =>
        Hex.TryDecode(signatureHex, out var raw) && Secp256k1.TryCanonicalize(raw, out var canonical, out _)
            ? Hex.Encode(Hashes.Keccak256(canonical)) : signatureHex;

    internal static bool SameName(string? a, string? b) =>
        a is not null && b is not null && EnsNormalizationOr(a) == EnsNormalizationOr(b);

    private static string EnsNormalizationOr(string name) =>
        Protocol.Ens.EnsNormalization.TryNormalize(name, out var n, out _) ? n : name;

    private static void Sweep(List<ReplayEntry> entries, DateTimeOffset now) => entries.RemoveAll(e => e.KeepUntil <= now.ToUnixTimeSeconds());

    private void Expire(Identity main) => main.Incoming.RemoveAll(r => r.ExpiresAt <= context.Now.ToUnixTimeSeconds());

    private IncomingRequest? Drop(string reason)
    {
        context.Dropped("dropped: " + reason);
        return null;
    }

    /// <summary>Fetches the inboxes of the linked profiles with their stored keys: messages sent to an LSP show in the main messenger.</summary>
    public async Task<List<InboxEntry>> LinkedInboxesAsync(Identity main, CancellationToken ct)
    {
        var entries = new List<InboxEntry>();
        foreach (var link in LinkVault.Open(main))
        {
            var lsp = new Identity { Kind = IdentityKinds.Lsp, Name = link.ProfileName, ProfileSeed = link.ProfileSeed, WalletPrivateKey = link.WalletPrivateKey };
            try
            {
                foreach (var received in await context.FetchAsync(lsp, ct).ConfigureAwait(false))
                {
                    ClientContext.Remember(lsp, received);
                }
            }
            catch (ClientException e)
            {
                context.Dropped($"linked profile {link.ProfileName}: {e.Code}");
            }

            entries.AddRange(lsp.Inbox);
        }

        return entries;
    }

    /// <summary>The main messenger's view of its accepted links (no keys).</summary>
    public static JsonArray LinkedView(Identity main) =>
        new([.. LinkVault.Open(main).Select(l => (JsonNode)new JsonObject
        {
            ["profileName"] = l.ProfileName,
            ["owner"] = l.Owner,
            ["origin"] = l.Origin,
            ["acceptedAt"] = Dm3Siwe.FormatTimestamp(DateTimeOffset.FromUnixTimeSeconds(l.AcceptedAt)),
        })]);
}
