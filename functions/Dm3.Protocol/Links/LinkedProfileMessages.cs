using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Siwe;
using static Dm3.Protocol.Links.LinkedProfileTexts;

namespace Dm3.Protocol.Links;

/// <summary>The <c>metadata.type</c> values of the Linked Profiles extension (§8.1).</summary>
public enum LinkMessageType
{
    Link,
    LinkRecover,
    LinkAccept,
}

public static class LinkMessageTypes
{
    public static string ToWire(this LinkMessageType type) => type switch
    {
        LinkMessageType.Link => "LINK",
        LinkMessageType.LinkRecover => "LINK_RECOVER",
        LinkMessageType.LinkAccept => "LINK_ACCEPT",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string? wire, out LinkMessageType type)
    {
        (var ok, type) = wire switch
        {
            "LINK" => (true, LinkMessageType.Link),
            "LINK_RECOVER" => (true, LinkMessageType.LinkRecover),
            "LINK_ACCEPT" => (true, LinkMessageType.LinkAccept),
            _ => (false, default),
        };
        return ok;
    }
}

/// <summary>Owner scopes (§5.2).</summary>
public static class LspScopes
{
    public const string Query = "query";
    public const string Register = "register";
    public const string Escrow = "escrow";
    public const string Delete = "delete";
    public const string PublishLink = "publish-link";

    public static IReadOnlyList<string> OwnerScopes { get; } = [Query, Register, Escrow, Delete];
}

/// <summary>Shared field checks of the wallet-signed texts.</summary>
internal static class LinkedFields
{
    public static ProtocolError? Check(string appParentName, ulong chainId, ReadOnlySpan<byte> address)
    {
        if (!LspNames.IsValidAppParentName(appParentName, out var e))
        {
            return e;
        }

        if (chainId == 0)
        {
            return new ProtocolError("link.chain_id_invalid", "The chain id must be positive.");
        }

        return address.Length == 20 ? null : new ProtocolError("link.address_invalid", "An address has 20 bytes.");
    }

    public static bool Fail<T>(ProtocolError e, out T? value, out ProtocolError? error)
        where T : class
    {
        value = null;
        error = e;
        return false;
    }

    public static ProtocolError Mismatch(string what) => new("link.text_mismatch", $"The text does not have the required {what}.");
}

/// <summary>The creation message of §3.1 (path a). Keys are derived only from a text built here from these fields.</summary>
public sealed record CreationMessage(string Domain, string Uri, ulong ChainId, byte[] Owner, string AppParentName, string Nonce, DateTimeOffset IssuedAt)
{
    public SiweMessage ToSiwe() => Dm3Siwe.Compose(Domain, Owner, CreationStatement(AppParentName), Uri, ChainId, Nonce, IssuedAt, null,
        [CreateResource, AppResource(AppParentName)]);

    public bool TryFormat([NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        error = LinkedFields.Check(AppParentName, ChainId, Owner);
        return error is null && Dm3Siwe.TryFormatStrict(ToSiwe(), out text, out error);
    }

    public string Format() => TryFormat(out var t, out var e) ? t : throw new ProtocolFormatException(e);

    public static bool TryParse(string? text, [NotNullWhen(true)] out CreationMessage? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        if (!Dm3Siwe.TryParseStrict(text, out var m, out error))
        {
            return false;
        }

        var r = m.Resources!;
        if (r.Count != 2 || r[0] != CreateResource || !ResourceName(r[1], AppResourcePrefix, out var app)
            || !LspNames.IsValidAppParentName(app, out _))
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("creation resources"), out message, out error);
        }

        if (m.Statement != CreationStatement(app))
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("creation statement"), out message, out error);
        }

        if (m.ExpirationTime is not null)
        {
            return LinkedFields.Fail(new ProtocolError("link.creation_expiration", "A creation message has no Expiration Time."), out message, out error);
        }

        message = new CreationMessage(m.Domain, m.Uri, m.ChainIdValue, m.AddressBytes, app, m.Nonce, m.IssuedAtInstant);
        return true;
    }
}

/// <summary>The component's owner-proof message of §5.2.</summary>
public sealed record OwnerProofMessage(string Domain, string Uri, ulong ChainId, byte[] Owner, string AppParentName, string Nonce,
    DateTimeOffset IssuedAt, DateTimeOffset ExpirationTime, IReadOnlyList<string> Scopes)
{
    public SiweMessage ToSiwe() => Dm3Siwe.Compose(Domain, Owner, OwnerProofStatement(AppParentName), Uri, ChainId, Nonce, IssuedAt, ExpirationTime,
        [AppResource(AppParentName), .. Scopes.Select(s => ScopeResourcePrefix + s)]);

    public bool TryFormat([NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        error = LinkedFields.Check(AppParentName, ChainId, Owner) ?? OwnerProof.CheckScopes(Scopes);
        return error is null && Dm3Siwe.TryFormatStrict(ToSiwe(), out text, out error);
    }

    public string Format() => TryFormat(out var t, out var e) ? t : throw new ProtocolFormatException(e);
}

/// <summary>
/// A parsed owner proof (§5.2/§5.3 rules 1 and 3): either the component's own form (strict) or a dApp's SIWE
/// (lenient, its own statement, extra resources allowed). Exactly one app resource and at least one known scope.
/// </summary>
public sealed record OwnerProof(SiweMessage Message, string AppParentName, IReadOnlyList<string> Scopes, bool IsComponentForm)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out OwnerProof? proof, [NotNullWhen(false)] out ProtocolError? error)
    {
        proof = null;
        if (!Dm3Siwe.TryParseLenient(text, out var m, out error))
        {
            return false;
        }

        string? app = null;
        var scopes = new List<string>();
        foreach (var r in m.Resources!)
        {
            if (r.StartsWith(AppResourcePrefix, StringComparison.Ordinal))
            {
                if (app is not null)
                {
                    return LinkedFields.Fail(new ProtocolError("link.owner_proof_app", "The proof names more than one app."), out proof, out error);
                }

                if (!ResourceName(r, AppResourcePrefix, out app) || !LspNames.IsValidAppParentName(app, out _))
                {
                    return LinkedFields.Fail(new ProtocolError("link.owner_proof_app", "The app resource does not name a valid app parent name."), out proof, out error);
                }
            }
            else if (r.StartsWith(ScopeResourcePrefix, StringComparison.Ordinal))
            {
                scopes.Add(r[ScopeResourcePrefix.Length..]);
            }
        }

        if (app is null)
        {
            return LinkedFields.Fail(new ProtocolError("link.owner_proof_app", "The proof has no urn:dm3:lsp:app resource."), out proof, out error);
        }

        if (CheckScopes(scopes) is { } scopeError)
        {
            return LinkedFields.Fail(scopeError, out proof, out error);
        }

        if (!Dm3Siwe.IsOurNonce(m.Nonce))
        {
            return LinkedFields.Fail(new ProtocolError("link.owner_proof_nonce", "The nonce is not a dm3 server nonce."), out proof, out error);
        }

        var isComponent = m.Statement == OwnerProofStatement(app);
        if (isComponent)
        {
            // Our own statement means our own writer: the strict layout and exactly [app, scopes...] apply.
            var strictError = Dm3Siwe.TryParseStrict(text, out _, out var se) ? null : se;
            if (strictError is not null)
            {
                return LinkedFields.Fail(strictError, out proof, out error);
            }

            if (m.Resources!.Count != 1 + scopes.Count || m.Resources[0] != AppResource(app))
            {
                return LinkedFields.Fail(LinkedFields.Mismatch("owner-proof resources"), out proof, out error);
            }
        }

        proof = new OwnerProof(m, app, scopes, isComponent);
        return true;
    }

    internal static ProtocolError? CheckScopes(IReadOnlyList<string> scopes)
    {
        if (scopes.Count == 0)
        {
            return new ProtocolError("link.owner_proof_scope", "The proof requests no scope.");
        }

        if (scopes.Any(s => !LspScopes.OwnerScopes.Contains(s)))
        {
            return new ProtocolError("link.owner_proof_scope", "The proof requests an unknown scope.");
        }

        return scopes.Distinct(StringComparer.Ordinal).Count() == scopes.Count
            ? null
            : new ProtocolError("link.owner_proof_scope", "The proof repeats a scope.");
    }
}

/// <summary>The LSP binding text of §6.2, signed by the LSP wallet.</summary>
public sealed record LspBinding(string AppParentName, string LspName, byte[] Owner, string SessionId)
{
    private const string FirstLine = "dm3 app profile binding v1";

    public bool TryFormat([NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        error = Check();
        if (error is not null)
        {
            return false;
        }

        text = $"{FirstLine}\nApp: {AppParentName}\nProfile: {LspName}\nOwner: {Ethereum.ToChecksumAddress(Owner)}\nSession: {SessionId}";
        return true;
    }

    public string Format() => TryFormat(out var t, out var e) ? t : throw new ProtocolFormatException(e);

    public static bool TryParse(string? text, [NotNullWhen(true)] out LspBinding? binding, [NotNullWhen(false)] out ProtocolError? error)
    {
        binding = null;
        var lines = text?.Split('\n') ?? [];
        if (lines.Length != 5 || lines[0] != FirstLine || !lines[1].StartsWith("App: ", StringComparison.Ordinal)
            || !lines[2].StartsWith("Profile: ", StringComparison.Ordinal) || !lines[3].StartsWith("Owner: ", StringComparison.Ordinal)
            || !lines[4].StartsWith("Session: ", StringComparison.Ordinal))
        {
            return LinkedFields.Fail(new ProtocolError("link.binding_invalid", "The text is not a dm3 app profile binding v1."), out binding, out error);
        }

        if (!Ethereum.TryParseAddress(lines[3][7..], out var owner, out _))
        {
            return LinkedFields.Fail(new ProtocolError("link.binding_invalid", "The owner is not an address."), out binding, out error);
        }

        var candidate = new LspBinding(lines[1][5..], lines[2][9..], owner, lines[4][9..]);
        if (!candidate.TryFormat(out var again, out error))
        {
            return false;
        }

        if (again != text)
        {
            return LinkedFields.Fail(new ProtocolError("link.binding_invalid", "The binding text is not in its exact form."), out binding, out error);
        }

        binding = candidate;
        return true;
    }

    private ProtocolError? Check()
    {
        if (!LspNames.IsValidAppParentName(AppParentName, out var e))
        {
            return e;
        }

        if (!LspNames.TryParseLspName(LspName, out _, out var parent, out e))
        {
            return e;
        }

        if (parent != AppParentName)
        {
            return new ProtocolError("link.binding_invalid", "The LSP name is not under the app parent name.");
        }

        if (Owner is not { Length: 20 })
        {
            return new ProtocolError("link.address_invalid", "An address has 20 bytes.");
        }

        return Dm3Siwe.IsOurNonce(SessionId) ? null : new ProtocolError("link.binding_invalid", "The session id is 32 lower-case hex characters.");
    }
}

/// <summary>The Link Message of §8.2 (LINK or LINK_RECOVER), signed by the owner wallet.</summary>
public sealed record LinkMessage(LinkMessageType Type, string Domain, string Uri, ulong ChainId, byte[] Owner, string Nonce,
    DateTimeOffset IssuedAt, DateTimeOffset ExpirationTime, string ProfileName, string MainProfileName, string ProfileHash, string? Requester = null)
{
    public SiweMessage ToSiwe()
    {
        List<string> resources =
        [
            LinkTypeResourcePrefix + Type.ToWire(),
            LinkProfileResourcePrefix + Dm3Urn.EncodeName(ProfileName),
            LinkMainResourcePrefix + Dm3Urn.EncodeName(MainProfileName),
            LinkProfileHashResourcePrefix + ProfileHash,
        ];
        if (Type == LinkMessageType.LinkRecover)
        {
            resources.Add(LinkRequesterResourcePrefix + Dm3Urn.EncodeName(Requester ?? ""));
        }

        return Dm3Siwe.Compose(Domain, Owner, Type == LinkMessageType.LinkRecover ? LinkRecoverStatement : LinkStatement,
            Uri, ChainId, Nonce, IssuedAt, ExpirationTime, resources);
    }

    public bool TryFormat([NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        error = Check();
        return error is null && Dm3Siwe.TryFormatStrict(ToSiwe(), out text, out error);
    }

    public string Format() => TryFormat(out var t, out var e) ? t : throw new ProtocolFormatException(e);

    /// <summary>Strictly parses a Link Message of either type: fixed statement, resources in their fixed order.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out LinkMessage? message, [NotNullWhen(false)] out ProtocolError? error)
    {
        message = null;
        if (!Dm3Siwe.TryParseStrict(text, out var m, out error))
        {
            return false;
        }

        var r = m.Resources!;
        if (r.Count < 4 || !r[0].StartsWith(LinkTypeResourcePrefix, StringComparison.Ordinal)
            || !LinkMessageTypes.TryParse(r[0][LinkTypeResourcePrefix.Length..], out var type) || type == LinkMessageType.LinkAccept)
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("link type resource"), out message, out error);
        }

        var expectedCount = type == LinkMessageType.LinkRecover ? 5 : 4;
        if (r.Count != expectedCount
            || !ResourceName(r[1], LinkProfileResourcePrefix, out var profile)
            || !ResourceName(r[2], LinkMainResourcePrefix, out var main)
            || !r[3].StartsWith(LinkProfileHashResourcePrefix, StringComparison.Ordinal))
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("link resources"), out message, out error);
        }

        string? requester = null;
        if (type == LinkMessageType.LinkRecover && !ResourceName(r[4], LinkRequesterResourcePrefix, out requester))
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("requester resource"), out message, out error);
        }

        if (m.ExpirationTime is null)
        {
            return LinkedFields.Fail(new ProtocolError("link.expiration_required", "A Link Message has an Expiration Time."), out message, out error);
        }

        var candidate = new LinkMessage(type, m.Domain, m.Uri, m.ChainIdValue, m.AddressBytes, m.Nonce, m.IssuedAtInstant,
            m.ExpirationInstant!.Value, profile, main, r[3][LinkProfileHashResourcePrefix.Length..], requester);
        if (candidate.Check() is { } fieldError)
        {
            return LinkedFields.Fail(fieldError, out message, out error);
        }

        // Byte equality with our writer covers the statement and every resource.
        if (!candidate.TryFormat(out var again, out error))
        {
            return false;
        }

        if (again != text)
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("Link Message form"), out message, out error);
        }

        message = candidate;
        return true;
    }

    /// <summary>§8.3 step 4: Issued At ≤ now + 300 s, Expiration Time > now, window ≤ 7 days (LINK) or 24 h (LINK_RECOVER).</summary>
    public ProtocolError? CheckTime(DateTimeOffset now)
    {
        var max = Type == LinkMessageType.LinkRecover ? LinkRecoverMaxValidity : LinkMaxValidity;
        if (IssuedAt > now + LinkMaxSkew)
        {
            return new ProtocolError("link.issued_in_future", "The Link Message is issued in the future.");
        }

        if (now >= ExpirationTime)
        {
            return new ProtocolError("link.expired", "The Link Message has expired.");
        }

        if (ExpirationTime <= IssuedAt || ExpirationTime - IssuedAt > max)
        {
            return new ProtocolError("link.validity_too_long", "The Link Message's validity window is empty or too long.");
        }

        return null;
    }

    private ProtocolError? Check()
    {
        if (Type == LinkMessageType.LinkAccept)
        {
            return new ProtocolError("link.type_invalid", "A Link Message is of type LINK or LINK_RECOVER.");
        }

        if (ChainId == 0 || Owner is not { Length: 20 })
        {
            return new ProtocolError("link.field_invalid", "The chain id or the owner address is invalid.");
        }

        if (!LspNames.TryParseLspName(ProfileName, out _, out _, out var e))
        {
            return e;
        }

        if (!LspNames.IsAcceptableName(MainProfileName, out e))
        {
            return e;
        }

        if (!LinkObject.IsProfileHash(ProfileHash))
        {
            return new ProtocolError("link.profile_hash_invalid", "The profile hash is 0x + 64 lower-case hex digits.");
        }

        if (Type == LinkMessageType.LinkRecover && !LspNames.IsAcceptableName(Requester, out e))
        {
            return e;
        }

        if (Type == LinkMessageType.Link && Requester is not null)
        {
            return new ProtocolError("link.field_invalid", "A LINK message has no requester.");
        }

        return null;
    }
}

/// <summary>The publish-link proof of §9.3, signed by the LSP wallet.</summary>
public sealed record PublishLinkProof(string Domain, string Uri, ulong ChainId, byte[] LspAddress, string AppParentName, string Nonce,
    DateTimeOffset IssuedAt, DateTimeOffset ExpirationTime, string LspName)
{
    public SiweMessage ToSiwe() => Dm3Siwe.Compose(Domain, LspAddress, PublishLinkStatement(AppParentName), Uri, ChainId, Nonce, IssuedAt, ExpirationTime,
        [AppResource(AppParentName), ScopeResourcePrefix + LspScopes.PublishLink, LspProfileResourcePrefix + Dm3Urn.EncodeName(LspName)]);

    public bool TryFormat([NotNullWhen(true)] out string? text, [NotNullWhen(false)] out ProtocolError? error)
    {
        text = null;
        error = LinkedFields.Check(AppParentName, ChainId, LspAddress) ?? CheckName();
        return error is null && Dm3Siwe.TryFormatStrict(ToSiwe(), out text, out error);
    }

    public string Format() => TryFormat(out var t, out var e) ? t : throw new ProtocolFormatException(e);

    /// <summary>Strict parse; also checks that the signer address equals the LSP name's address label and that the name is under <c>addr.&lt;P&gt;</c>.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out PublishLinkProof? proof, [NotNullWhen(false)] out ProtocolError? error)
    {
        proof = null;
        if (!Dm3Siwe.TryParseStrict(text, out var m, out error))
        {
            return false;
        }

        var r = m.Resources!;
        if (r.Count != 3 || !ResourceName(r[0], AppResourcePrefix, out var app) || r[1] != ScopeResourcePrefix + LspScopes.PublishLink
            || !ResourceName(r[2], LspProfileResourcePrefix, out var lspName) || !LspNames.IsValidAppParentName(app, out _))
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("publish-link resources"), out proof, out error);
        }

        if (m.ExpirationTime is null)
        {
            return LinkedFields.Fail(new ProtocolError("link.expiration_required", "A publish-link proof has an Expiration Time."), out proof, out error);
        }

        var candidate = new PublishLinkProof(m.Domain, m.Uri, m.ChainIdValue, m.AddressBytes, app, m.Nonce, m.IssuedAtInstant, m.ExpirationInstant!.Value, lspName);
        if (!candidate.TryFormat(out var again, out error))
        {
            return false;
        }

        if (again != text)
        {
            return LinkedFields.Fail(LinkedFields.Mismatch("publish-link form"), out proof, out error);
        }

        proof = candidate;
        return true;
    }

    private ProtocolError? CheckName()
    {
        if (!LspNames.TryParseLspName(LspName, out var address, out var parent, out var e))
        {
            return e;
        }

        if (parent != AppParentName)
        {
            return new ProtocolError("link.publish_proof_name", "The LSP name is not under the app parent name.");
        }

        return address.AsSpan().SequenceEqual(LspAddress)
            ? null
            : new ProtocolError("link.publish_proof_signer", "The proof's address is not the LSP name's address.");
    }
}
