using System.Globalization;
using System.Text.Json.Nodes;
using Dm3.Client.Main;
using Dm3.Client.Messaging;
using Dm3.Client.State;
using Dm3.Client.Transport;
using Dm3.Client.Wallet;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;

namespace Dm3.Client.Component;

/// <summary>The EIP-4361 domain, URI and chain id the component signs with (registered for the app at the backend).</summary>
public sealed record ComponentOrigin(string Domain, string Uri, ulong ChainId);

public enum CreationPath
{
    /// <summary>Path (a): keys from a creation signature over the component's own template.</summary>
    Signature,

    /// <summary>Path (b): keys from the component's CSPRNG.</summary>
    Random,
}

/// <summary>The outcome of a validated LINK_ACCEPT (§8.4).</summary>
public sealed record AcceptOutcome(string ProfileName, string Main, bool HasAttestation, Identity? Recovered);

/// <summary>
/// The LSP component (linked-profiles §3, §5, §6, §8.4, §9.3, §10, §13): owner sessions, creation by signature or
/// random entropy, registration with escrow, LINK / LINK_RECOVER, LINK_ACCEPT validation, attestation publishing and
/// the three recoveries. Every recovery ends with keys that re-derive the published profile, or fails.
/// </summary>
public sealed class LspComponent(ClientContext context)
{
    public const string LinkText = "dm3 service message (LINK). Open it in a dm3 messenger that supports linked profiles.";
    public const string LinkRecoverText = "dm3 service message (LINK_RECOVER). Open it in a dm3 messenger that supports linked profiles.";
    public static readonly IReadOnlyList<string> AllScopes = [LspScopes.Query, LspScopes.Register, LspScopes.Escrow];

    /// <summary>Owner proof (§5.2 component form) signed by the owner wallet, exchanged for a session.</summary>
    public async Task<OwnerSession> OpenOwnerSessionAsync(string backend, string app, IWallet owner, ComponentOrigin origin, IReadOnlyList<string> scopes,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(origin);
        var api = context.Backend(backend);
        var nonce = await api.NonceAsync(app, "owner", ct).ConfigureAwait(false);
        var text = new OwnerProofMessage(origin.Domain, origin.Uri, origin.ChainId, owner.Address, app, nonce.Nonce, nonce.IssuedAt, nonce.ExpirationTime, scopes).Format();
        return await api.OpenSessionAsync(text, await owner.SignPersonalAsync(text, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <summary>Zero-interaction variant: the embedding dApp's own SIWE login (with our nonce) as the owner proof. Never key material.</summary>
    public Task<OwnerSession> OpenDappSessionAsync(string backend, string dappMessage, string dappSignature, CancellationToken ct) =>
        context.Backend(backend).OpenSessionAsync(dappMessage, dappSignature, ct);

    /// <summary>
    /// Path (a) derivation (§3.1): builds the creation text from <paramref name="fields"/> itself, has the owner sign it
    /// and derives. There is no overload taking a text. Null when the wallet's signature is not a 65-byte ECDSA
    /// signature recovering to the owner (use path (b) then). The signature is never returned or kept.
    /// </summary>
    public static async Task<LspKeys?> DeriveBySignatureAsync(CreationMessage fields, IWallet owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(owner);
        var signature = await owner.SignPersonalAsync(fields.Format(), ct).ConfigureAwait(false);
        return LspKeyDerivation.TryFromCreationSignature(fields, signature, out var keys, out _) ? keys : null;
    }

    /// <summary>
    /// Creates and registers an LSP (§13.1 / §13.2). <paramref name="dappEntropy"/> exists only to show it is ignored:
    /// path (b) always uses the component's own CSPRNG (§3.2). Owned registration when <paramref name="session"/> is
    /// given, otherwise anonymous (resolver claim only).
    /// </summary>
    public async Task<Identity> CreateAsync(string backend, string app, OwnerSession? session, IWallet owner, ComponentOrigin origin, CreationPath path,
        bool escrow, CancellationToken ct, byte[]? dappEntropy = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(origin);
        _ = dappEntropy; // §3.2: never used.
        if (session is not null && (await context.Backend(backend).QueryAsync(session, false, ct).ConfigureAwait(false)).Count > 0)
        {
            throw new ClientException("lsp_exists", "An LSP exists already for this owner and app; recover it instead.");
        }

        LspKeys? keys = null;
        CreationFields? creation = null;
        if (path == CreationPath.Signature)
        {
            var fields = new CreationMessage(origin.Domain, origin.Uri, origin.ChainId, owner.Address, app, Dm3Siwe.NewNonce(), context.Now);
            keys = await DeriveBySignatureAsync(fields, owner, ct).ConfigureAwait(false);
            if (keys is not null)
            {
                creation = new CreationFields(fields.Domain, fields.Uri, fields.ChainId, fields.Nonce, Dm3Siwe.FormatTimestamp(fields.IssuedAt));
            }
        }

        keys ??= LspKeyDerivation.FromNewEntropy();
        var identity = IdentityOf(keys, app, backend, creation is null ? LinkObject.OriginRandom : LinkObject.OriginSignature, creation, owner.Address);
        if (session is null)
        {
            await context.Backend(backend).ClaimAddressAsync(identity.SignedUserProfile, keys.Address, "addr." + app, ct).ConfigureAwait(false);
        }
        else
        {
            var binding = new LspBinding(app, identity.Name, owner.Address, session.SessionId).Format();
            var body = new JsonObject
            {
                ["lspName"] = identity.Name,
                ["signedUserProfile"] = JsonNode.Parse(identity.SignedUserProfile),
                ["origin"] = identity.Origin,
                ["binding"] = new JsonObject { ["signature"] = Ethereum.PersonalSign(keys.WalletPrivateKey, binding) },
            };
            if (creation is not null)
            {
                body["creation"] = CreationJson(creation);
            }

            if (escrow || identity.Origin == LinkObject.OriginRandom)
            {
                body["escrow"] = new JsonObject { ["walletPrivateKey"] = identity.WalletPrivateKey, ["profileSeed"] = identity.ProfileSeed };
            }

            await context.Backend(backend).RegisterAsync(session, body, ct).ConfigureAwait(false);
        }

        await context.EnsureAccountAsync(identity, ct).ConfigureAwait(false);
        return identity;
    }

    /// <summary>The owner's LSPs for the session's app (lspExists); keys only with scope escrow and <paramref name="includeEscrow"/>.</summary>
    public Task<JsonArray> QueryAsync(string backend, OwnerSession session, bool includeEscrow, CancellationToken ct) =>
        context.Backend(backend).QueryAsync(session, includeEscrow, ct);

    public Task DeleteAsync(string backend, OwnerSession session, string lspName, CancellationToken ct) =>
        context.Backend(backend).DeleteLspAsync(session, lspName, ct);

    /// <summary>§10.1: escrowed keys, accepted only if they derive the published profile.</summary>
    public async Task<Identity> RecoverByEscrowAsync(string backend, string app, OwnerSession session, IWallet owner, CancellationToken ct)
    {
        var row = await OwnRowAsync(backend, session, ct).ConfigureAwait(false);
        if (row["escrow"] is not JsonObject escrow)
        {
            throw new ClientException("no_escrow", "There is no escrow for this LSP (or the session lacks scope escrow).");
        }

        var identity = await AdoptAsync(backend, app, Str(row, "lspName"), Str(escrow, "profileSeed"), Str(escrow, "walletPrivateKey"), Str(row, "origin"),
            ReadCreation(row), owner.Address, ct).ConfigureAwait(false);
        await context.EnsureAccountAsync(identity, ct).ConfigureAwait(false);
        return identity;
    }

    /// <summary>§10.2: rebuild the creation message from the stored fields, re-sign, derive; accepted only if it re-derives the registered profile.</summary>
    public async Task<Identity> RecoverBySignatureAsync(string backend, string app, OwnerSession session, IWallet owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var row = await OwnRowAsync(backend, session, ct).ConfigureAwait(false);
        var creation = ReadCreation(row) ?? throw new ClientException("no_creation", "This LSP was not created by signature (or the session lacks scope escrow).");
        var fields = new CreationMessage(creation.Domain, creation.Uri, creation.ChainId, owner.Address, app, creation.Nonce,
            DateTimeOffset.Parse(creation.IssuedAt, CultureInfo.InvariantCulture));
        var keys = await DeriveBySignatureAsync(fields, owner, ct).ConfigureAwait(false)
            ?? throw new ClientException("not_ecdsa", "The wallet's signature cannot derive keys; use escrow or the main profile.");
        var identity = await AdoptAsync(backend, app, Str(row, "lspName"), Base64Std.Encode(keys.ProfileSeed), Hex.Encode(keys.WalletPrivateKey),
            LinkObject.OriginSignature, creation, owner.Address, ct).ConfigureAwait(false);
        await context.EnsureAccountAsync(identity, ct).ConfigureAwait(false);
        return identity;
    }

    /// <summary>Sends LINK from the LSP to the main profile's delivery service (§8.1, §8.2, §13.3) and keeps the request pending.</summary>
    public async Task<PendingRequest> SendLinkAsync(Identity lsp, IWallet owner, ComponentOrigin origin, string mainName, CancellationToken ct, int days = 7)
    {
        ArgumentNullException.ThrowIfNull(lsp);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(origin);
        var main = await context.Directory.ResolveAsync(mainName, ct).ConfigureAwait(false)
            ?? throw new ClientException("main_not_found", $"{mainName} does not resolve to a verified dm3 profile.");
        var hash = Hashes.Sha256HexOfUtf8(lsp.SignedUserProfile);
        var now = context.Now;
        var text = new LinkMessage(LinkMessageType.Link, origin.Domain, origin.Uri, origin.ChainId, owner.Address, Dm3Siwe.NewNonce(), now,
            now.AddDays(days), lsp.Name, main.Name, hash).Format();
        var signature = await owner.SignPersonalAsync(text, ct).ConfigureAwait(false);
        var keys = ClientContext.KeysOf(lsp);
        var link = LinkObject.ForLink(text, signature, lsp.Origin ?? LinkObject.OriginRandom, keys.Seed, Hex.Decode(lsp.WalletPrivateKey!), lsp.Creation?.Nonce);
        await context.SendAsync(lsp, main.Name, MessageType.Link, LinkText, link.ToJson(), ct).ConfigureAwait(false);
        var pending = new PendingRequest(LinkMessageType.Link.ToWire(), text, hash, main.Name, lsp.Name, now.AddDays(days).ToUnixTimeSeconds());
        lsp.Pending.Add(pending);
        return pending;
    }

    /// <summary>
    /// §10.3 first half: a temporary profile by path (b), claimed anonymously on the LSP's backend and app, a DS
    /// account, and a LINK_RECOVER naming it as requester, sent to the main profile. Returns the temporary identity
    /// (keep it until the answer arrives).
    /// </summary>
    public async Task<Identity> StartRecoveryViaMainAsync(string backend, string app, IWallet owner, ComponentOrigin origin, string lspName, string mainName,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(origin);
        var published = await context.Directory.ResolveAsync(lspName, ct).ConfigureAwait(false)
            ?? throw new ClientException("lsp_not_found", $"{lspName} does not resolve to a verified profile.");
        var main = await context.Directory.ResolveAsync(mainName, ct).ConfigureAwait(false)
            ?? throw new ClientException("main_not_found", $"{mainName} does not resolve to a verified dm3 profile.");
        var temp = IdentityOf(LspKeyDerivation.FromNewEntropy(), app, backend, LinkObject.OriginRandom, null, owner.Address);
        temp.Kind = IdentityKinds.Temporary;
        await context.Backend(backend).ClaimAddressAsync(temp.SignedUserProfile, Ethereum.AddressFromPrivateKey(Hex.Decode(temp.WalletPrivateKey!)),
            "addr." + app, ct).ConfigureAwait(false);
        await context.EnsureAccountAsync(temp, ct).ConfigureAwait(false);

        var now = context.Now;
        var text = new LinkMessage(LinkMessageType.LinkRecover, origin.Domain, origin.Uri, origin.ChainId, owner.Address, Dm3Siwe.NewNonce(), now,
            now.AddHours(24), published.Name, main.Name, published.ProfileHash, temp.Name).Format();
        var link = LinkObject.ForRecover(text, await owner.SignPersonalAsync(text, ct).ConfigureAwait(false));
        await context.SendAsync(temp, main.Name, MessageType.LinkRecover, LinkRecoverText, link.ToJson(), ct).ConfigureAwait(false);
        temp.Pending.Add(new PendingRequest(LinkMessageType.LinkRecover.ToWire(), text, published.ProfileHash, main.Name, published.Name,
            now.AddHours(24).ToUnixTimeSeconds()));
        return temp;
    }

    /// <summary>Fetches the identity's inbox and validates every LINK_ACCEPT (§8.4); invalid ones are dropped silently.</summary>
    public async Task<List<AcceptOutcome>> ProcessInboxAsync(Identity identity, CancellationToken ct)
    {
        var outcomes = new List<AcceptOutcome>();
        foreach (var received in await context.FetchAsync(identity, ct).ConfigureAwait(false))
        {
            ClientContext.Remember(identity, received);
            if (received.Message.Metadata.Type == MessageType.LinkAccept && await ValidateAcceptAsync(identity, received.Message, ct).ConfigureAwait(false) is { } outcome)
            {
                outcomes.Add(outcome);
            }
        }

        return outcomes;
    }

    /// <summary>§8.4 steps 1–7 against this component's pending requests. Null when dropped.</summary>
    public async Task<AcceptOutcome?> ValidateAcceptAsync(Identity identity, Message message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(message);
        var now = context.Now.ToUnixTimeSeconds();
        identity.Pending.RemoveAll(p => p.ExpiresAt + 86400 <= now);
        if (message.Metadata.Link is null || !LinkObject.TryParse(message.Metadata.Link, LinkMessageType.LinkAccept, out var link, out _))
        {
            return Drop("8.4: link object invalid");
        }

        // 3. A pending request with the byte-identical Link Message.
        var pending = identity.Pending.FirstOrDefault(p => string.Equals(p.LinkMessage, link.LinkMessage, StringComparison.Ordinal));
        if (pending is null)
        {
            return Drop("8.4 step 3: no pending request with this Link Message");
        }

        // 1. From the main profile the request went to, signed with its published key.
        var main = await context.Directory.ResolveAsync(pending.Main, ct).ConfigureAwait(false);
        if (main is null || !MainMessenger.SameName(message.Metadata.From, pending.Main) || !message.VerifySignature(main.SigningPublicKey))
        {
            return Drop("8.4 step 1: not signed by the main profile");
        }

        // 2. Addressed to this profile; names the requested LSP.
        if (!MainMessenger.SameName(message.Metadata.To, identity.Name) || link.ProfileName != pending.ProfileName)
        {
            return Drop("8.4 step 2: wrong receiver or profile");
        }

        // 4. M's Ed25519 signature over sha256hex(linkMessage). 5. The profile hash of the request.
        if (!link.VerifyAcceptSignature(main.SigningPublicKey) || link.ProfileHash != pending.ProfileHash)
        {
            return Drop("8.4 steps 4-5: accept signature or profile hash");
        }

        var published = await context.Directory.ResolveAsync(link.ProfileName, ct).ConfigureAwait(false);
        if (published is null)
        {
            return Drop("8.4: the LSP does not resolve");
        }

        // 6. The attestation, under the reader rules of §9.2.
        if (link.Attestation is not null && link.Attestation.CheckForReader(link.ProfileName, published.ProfileHash, context.Now, main.SigningPublicKey) is not null)
        {
            return Drop("8.4 step 6: attestation invalid");
        }

        Identity? recovered = null;
        if (pending.Type == LinkMessageType.LinkRecover.ToWire())
        {
            // 7. Keys must derive the published profile before they are imported.
            if (link.ProfilePrivateKey is null || link.WalletPrivateKey is null || !MainMessenger.KeysDeriveProfile(published, link.ProfilePrivateKey, link.WalletPrivateKey))
            {
                return Drop("8.4 step 7: keys do not derive the published profile");
            }

            LspNames.TryParseLspName(published.Name, out _, out var app, out _);
            recovered = new Identity
            {
                Kind = IdentityKinds.Lsp, Name = published.Name, AppParent = app ?? identity.AppParent, Backend = identity.Backend,
                WalletPrivateKey = link.WalletPrivateKey, ProfileSeed = link.ProfilePrivateKey, SignedUserProfile = published.Profile.ToCanonicalJson(),
                Origin = link.Origin, Owner = identity.Owner, LinkedTo = main.Name,
            };
        }
        else
        {
            identity.LinkedTo = main.Name;
            identity.Attestation = link.Attestation?.CanonicalJsonText();
        }

        identity.Pending.Remove(pending);
        return new AcceptOutcome(link.ProfileName, main.Name, link.Attestation is not null, recovered);
    }

    /// <summary>§9.3: publishes the received attestation as <c>network.dm3.link</c> with an LSP-wallet proof.</summary>
    public async Task PublishAttestationAsync(Identity lsp, ComponentOrigin origin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lsp);
        ArgumentNullException.ThrowIfNull(origin);
        if (lsp.Attestation is null || !LinkAttestation.TryParse(JsonNode.Parse(lsp.Attestation), out var attestation, out _))
        {
            throw new ClientException("no_attestation", "No attestation was received for this LSP (accept with --public).");
        }

        var api = context.Backend(lsp.Backend);
        var nonce = await api.NonceAsync(lsp.AppParent, "publish-link", ct).ConfigureAwait(false);
        var wallet = Hex.Decode(lsp.WalletPrivateKey!);
        var proof = new PublishLinkProof(origin.Domain, origin.Uri, origin.ChainId, Ethereum.AddressFromPrivateKey(wallet), lsp.AppParent, nonce.Nonce,
            nonce.IssuedAt, nonce.ExpirationTime, lsp.Name).Format();
        await api.PutLinkRecordAsync(lsp.Name, attestation.ToJson(), proof, Ethereum.PersonalSign(wallet, proof), ct).ConfigureAwait(false);
    }

    /// <summary>§16 item 11: removes the link record with an unpublish proof of the LSP wallet.</summary>
    public async Task UnpublishAttestationAsync(Identity lsp, ComponentOrigin origin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lsp);
        ArgumentNullException.ThrowIfNull(origin);
        var api = context.Backend(lsp.Backend);
        var nonce = await api.NonceAsync(lsp.AppParent, "unpublish-link", ct).ConfigureAwait(false);
        var wallet = Hex.Decode(lsp.WalletPrivateKey!);
        var proof = Dm3Siwe.FormatStrict(Dm3Siwe.Compose(origin.Domain, Ethereum.AddressFromPrivateKey(wallet),
            $"Remove the link record of this dm3 app profile for {lsp.AppParent}.", origin.Uri, origin.ChainId, nonce.Nonce, nonce.IssuedAt,
            nonce.ExpirationTime, [LinkedProfileTexts.AppResource(lsp.AppParent), LinkedProfileTexts.ScopeResourcePrefix + "unpublish-link",
                LinkedProfileTexts.LspProfileResourcePrefix + Dm3Urn.EncodeName(lsp.Name)]));
        await api.DeleteLinkRecordAsync(lsp.Name, proof, Ethereum.PersonalSign(wallet, proof), ct).ConfigureAwait(false);
    }

    /// <summary>§10.3 step 5: deletes the temporary profile's name with a proof signed by its own wallet.</summary>
    public async Task DeleteTemporaryAsync(Identity temp, ComponentOrigin origin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(temp);
        ArgumentNullException.ThrowIfNull(origin);
        var api = context.Backend(temp.Backend);
        var nonce = await api.ResolverNonceAsync(temp.AppParent, "profile-delete", ct).ConfigureAwait(false);
        var wallet = Hex.Decode(temp.WalletPrivateKey!);
        var proof = Dm3Siwe.FormatStrict(Dm3Siwe.Compose(origin.Domain, Ethereum.AddressFromPrivateKey(wallet),
            "Delete the temporary dm3 profile of a recovery.", origin.Uri, origin.ChainId, nonce.Nonce, nonce.IssuedAt, nonce.ExpirationTime,
            ["urn:dm3:profile-delete:" + Dm3Urn.EncodeName(temp.Name)]));
        await api.DeleteNameAsync(temp.Name, proof, Ethereum.PersonalSign(wallet, proof), ct).ConfigureAwait(false);
    }

    internal static Identity IdentityOf(LspKeys keys, string app, string backend, string origin, CreationFields? creation, byte[] owner)
    {
        var profile = new UserProfile(Base64Std.Encode(keys.EncryptionPublicKey), Base64Std.Encode(keys.SigningPublicKey), ["ds." + app]);
        return new Identity
        {
            Kind = IdentityKinds.Lsp, Name = keys.LspName(app), AppParent = app, Backend = backend, WalletPrivateKey = Hex.Encode(keys.WalletPrivateKey),
            ProfileSeed = Base64Std.Encode(keys.ProfileSeed), SignedUserProfile = SignedUserProfile.Sign(profile, keys.WalletPrivateKey).ToCanonicalJson(),
            Origin = origin, Creation = creation, Owner = Ethereum.ToChecksumAddress(owner),
        };
    }

    private async Task<Identity> AdoptAsync(string backend, string app, string lspName, string profileSeed, string walletKey, string origin,
        CreationFields? creation, byte[] owner, CancellationToken ct)
    {
        var published = await context.Directory.ResolveAsync(lspName, ct).ConfigureAwait(false)
            ?? throw new ClientException("lsp_not_found", $"{lspName} does not resolve to a verified profile.");
        if (!MainMessenger.KeysDeriveProfile(published, profileSeed, walletKey))
        {
            throw new ClientException("keys_mismatch", "The recovered keys do not derive the published profile.");
        }

        return new Identity
        {
            Kind = IdentityKinds.Lsp, Name = published.Name, AppParent = app, Backend = backend, WalletPrivateKey = walletKey, ProfileSeed = profileSeed,
            SignedUserProfile = published.Profile.ToCanonicalJson(), Origin = origin, Creation = creation, Owner = Ethereum.ToChecksumAddress(owner),
        };
    }

    private async Task<JsonObject> OwnRowAsync(string backend, OwnerSession session, CancellationToken ct) =>
        (await context.Backend(backend).QueryAsync(session, true, ct).ConfigureAwait(false)).OfType<JsonObject>().FirstOrDefault()
        ?? throw new ClientException("not_found", "The owner has no LSP for this app.");

    private static CreationFields? ReadCreation(JsonObject row) =>
        row["creation"] is JsonObject c
            ? new CreationFields(Str(c, "domain"), Str(c, "uri"), c["chainId"]!.GetValue<ulong>(), Str(c, "nonce"), Str(c, "issuedAt"))
            : null;

    private static JsonObject CreationJson(CreationFields c) => new()
    {
        ["domain"] = c.Domain, ["uri"] = c.Uri, ["chainId"] = c.ChainId, ["nonce"] = c.Nonce, ["issuedAt"] = c.IssuedAt,
    };

    private static string Str(JsonObject o, string name) => BackendApi.Str(o, name);

    private AcceptOutcome? Drop(string reason)
    {
        context.Dropped("dropped: " + reason);
        return null;
    }
}
