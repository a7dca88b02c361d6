using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dm3.Client.State;

/// <summary>
/// Everything one client controls, as one JSON document (the CLI's key file): identities by local alias and imported
/// owner wallets. Holds secrets: stored only through an <see cref="IClientStore"/>, never printed (no member is
/// formatted by ToString).
/// </summary>
public sealed class ClientState
{
    public Dictionary<string, Identity> Identities { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Owner wallets imported with <c>wallet import</c>: alias → 0x-hex private key.</summary>
    public Dictionary<string, string> Wallets { get; set; } = new(StringComparer.Ordinal);

    public Identity? FindByName(string name) => Identities.Values.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.Ordinal));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static ClientState Deserialize(string json) => JsonSerializer.Deserialize<ClientState>(json, Json) ?? new ClientState();
}

/// <summary>Where a client keeps its <see cref="ClientState"/> (a key file, browser storage, a vault).</summary>
public interface IClientStore
{
    ValueTask<ClientState> LoadAsync(CancellationToken cancellationToken);

    ValueTask SaveAsync(ClientState state, CancellationToken cancellationToken);
}

/// <summary>Kept in memory only (tests, the demo).</summary>
public sealed class MemoryClientStore : IClientStore
{
    private string _json = new ClientState().Serialize();

    public ValueTask<ClientState> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ClientState.Deserialize(_json));

    public ValueTask SaveAsync(ClientState state, CancellationToken cancellationToken)
    {
        _json = state.Serialize();
        return ValueTask.CompletedTask;
    }
}

public static class IdentityKinds
{
    public const string Main = "main";
    public const string Lsp = "lsp";
    public const string Temporary = "temp";
}

/// <summary>
/// One dm3 profile this client controls: a main profile, an LSP or a temporary recovery profile, plus the state of
/// the link protocol on its side.
/// </summary>
public sealed class Identity
{
    public string Kind { get; set; } = IdentityKinds.Main;

    public string Name { get; set; } = "";

    public string AppParent { get; set; } = "";

    /// <summary>Backend base URL (resolver + LSP service).</summary>
    public string Backend { get; set; } = "";

    /// <summary>The profile's own wallet key (LSP / temporary profile), 0x-hex; null for a main profile.</summary>
    public string? WalletPrivateKey { get; set; }

    /// <summary>base64 profile seed (the dm3 "storage key").</summary>
    public string ProfileSeed { get; set; } = "";

    /// <summary>Canonical JSON of the published SignedUserProfile.</summary>
    public string SignedUserProfile { get; set; } = "";

    /// <summary>LSP: "signature" or "random".</summary>
    public string? Origin { get; set; }

    /// <summary>LSP path (a): the creation fields (not secret: the signature is never kept).</summary>
    public CreationFields? Creation { get; set; }

    /// <summary>EIP-55 owner wallet address (main profile: the profile's address; LSP: the owner W).</summary>
    public string? Owner { get; set; }

    /// <summary>LSP: the attestation received with a LINK_ACCEPT (canonical JSON), for <c>link publish</c>.</summary>
    public string? Attestation { get; set; }

    /// <summary>LSP: the main profile it is linked to once a LINK_ACCEPT was validated.</summary>
    public string? LinkedTo { get; set; }

    /// <summary>LSP / temporary profile: link requests sent and not yet answered (§8.4 step 3).</summary>
    public List<PendingRequest> Pending { get; set; } = [];

    /// <summary>Main profile: validated requests waiting for the user (§8.3).</summary>
    public List<IncomingRequest> Incoming { get; set; } = [];

    /// <summary>Main profile: accepted links, AES-256-GCM under a key derived from the profile seed (<see cref="LinkVault"/>).</summary>
    public string? LinkedSealed { get; set; }

    /// <summary>Main profile: replay and seen-signature entries (§8.3 step 6, §16 item 9).</summary>
    public List<ReplayEntry> Replay { get; set; } = [];

    /// <summary>Main profile: when requests per LSP were accepted as pending (≤ 3 per 24 h).</summary>
    public List<ReplayEntry> RequestLog { get; set; } = [];

    /// <summary>Readable messages received (inbox view; service messages without keys).</summary>
    public List<InboxEntry> Inbox { get; set; } = [];
}

public sealed record CreationFields(string Domain, string Uri, ulong ChainId, string Nonce, string IssuedAt);

/// <summary>A Link Message this component sent (kept until its expiry + 24 h).</summary>
public sealed record PendingRequest(string Type, string LinkMessage, string ProfileHash, string Main, string ProfileName, long ExpiresAt, bool Public = false);

/// <summary>
/// A validated LINK / LINK_RECOVER waiting at the main messenger. <see cref="Link"/> is the link object JSON. <see cref="Refreshed"/>:
/// a re-sent LINK of an existing link (same owner, identical keys) that was accepted automatically and is never pending.
/// </summary>
public sealed record IncomingRequest(string Id, string Type, string From, string ProfileName, string Owner, bool SameWallet, long ExpiresAt, long ReceivedAt, string Link,
    bool Refreshed = false)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id).Append(", Type = ").Append(Type).Append(", ProfileName = ").Append(ProfileName);
        return true;
    }
}

/// <summary>An accepted link at the main messenger (§8.3 "On accept"). Holds the LSP's private keys.</summary>
public sealed record AcceptedLink(string ProfileName, string ProfileSeed, string WalletPrivateKey, string Origin, string Owner, string LinkMessage,
    string ProfileHash, long AcceptedAt, string? Nonce = null)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("ProfileName = ").Append(ProfileName).Append(", Origin = ").Append(Origin);
        return true;
    }
}

public sealed record ReplayEntry(string Key, long KeepUntil);

public sealed record InboxEntry(string From, string To, string Type, string Text, long Timestamp, string MessageHash);
