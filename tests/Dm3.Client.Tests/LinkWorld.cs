using System.Text.Json.Nodes;
using Dm3.Client.Directory;
using Dm3.Client.Messaging;
using Dm3.Client.State;
using Dm3.Client.Wallet;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;

namespace Dm3.Client.Tests;

/// <summary>Names resolved from memory: the published profiles of a test world.</summary>
internal sealed class MemoryDirectory : IProfileDirectory
{
    public Dictionary<string, ResolvedProfile> Profiles { get; } = new(StringComparer.Ordinal);

    public Task<ResolvedProfile?> ResolveAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Profiles.TryGetValue(name, out var p) ? p : null);

    public Task<string?> ReadTextAsync(string name, string key, CancellationToken cancellationToken) => Task.FromResult<string?>("");

    public void Publish(string name, byte[] address, SignedUserProfile profile) =>
        Profiles[name] = new ResolvedProfile(name, address, profile, [new DeliveryEndpoint("ds.test", "http://127.0.0.1:9", new byte[32], new byte[32])]);
}

/// <summary>
/// A main profile (owner wallet W), an LSP created by W, and the means to build the link messages the component
/// would send, with every field overridable to build the attacks of the security tests.
/// </summary>
internal sealed class LinkWorld
{
    public const string Domain = "app.myapp.example";
    public const string Uri = "https://app.myapp.example/messaging";
    public const ulong ChainId = 31337;

    public LinkWorld()
    {
        Context = new ClientContext(new HttpClient(), Directory, TimeProvider.System, [ChainId], Drops.Add);
        var mainKeys = ProfileKeys.Generate();
        var mainProfile = SignedUserProfile.Sign(mainKeys.ToUserProfile(["ds.main.eth"]), OwnerKey);
        Main = new Identity
        {
            Kind = IdentityKinds.Main, Name = Ethereum.ToLowerAddress(Owner.Address) + ".addr.main.eth", AppParent = "main.eth",
            ProfileSeed = mainKeys.StorageKey, SignedUserProfile = mainProfile.ToCanonicalJson(), Owner = Owner.AddressText,
        };
        Directory.Publish(Main.Name, Owner.Address, mainProfile);
        MainKeys = mainKeys;
        Lsp = Component.LspComponent.IdentityOf(LspKeys, "myapp.eth", "http://127.0.0.1:9", LinkObject.OriginRandom, null, Owner.Address);
        Directory.Publish(Lsp.Name, LspKeys.Address, SignedUserProfile.Parse(Lsp.SignedUserProfile));
    }

    public byte[] OwnerKey { get; } = LspKeyDerivation.FromNewEntropy().WalletPrivateKey;

    public PrivateKeyWallet Owner => new(OwnerKey);

    public ProfileKeys MainKeys { get; }

    public LspKeys LspKeys { get; } = LspKeyDerivation.FromNewEntropy();

    public MemoryDirectory Directory { get; } = new();

    public List<string> Drops { get; } = [];

    public ClientContext Context { get; }

    public Identity Main { get; }

    public Identity Lsp { get; }

    public string ProfileHash => Hashes.Sha256HexOfUtf8(Lsp.SignedUserProfile);

    /// <summary>A Link Message text signed by <paramref name="signer"/> (default W).</summary>
    public (string Text, string Signature) LinkText(LinkMessageType type = LinkMessageType.Link, string? main = null, string? hash = null,
        DateTimeOffset? issuedAt = null, TimeSpan? validity = null, string? nonce = null, byte[]? signer = null, string? requester = null)
    {
        var key = signer ?? OwnerKey;
        var now = issuedAt ?? DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var text = new LinkMessage(type, Domain, Uri, ChainId, Ethereum.AddressFromPrivateKey(key), nonce ?? Protocol.Siwe.Dm3Siwe.NewNonce(), now,
            now + (validity ?? TimeSpan.FromDays(1)), Lsp.Name, main ?? Main.Name, hash ?? ProfileHash, requester).Format();
        return (text, Ethereum.PersonalSign(key, text));
    }

    /// <summary>The LINK dm3 Message from the LSP (the link object of <paramref name="text"/>, the LSP's or other keys).</summary>
    public Message LinkMessageFrom((string Text, string Signature) signed, LspKeys? keys = null, MessageType type = MessageType.Link)
    {
        var k = keys ?? LspKeys;
        var link = LinkObject.ForLink(signed.Text, signed.Signature, LinkObject.OriginRandom, k.ProfileSeed, k.WalletPrivateKey, null);
        return Message.CreateSigned(new MessageMetadata(Main.Name, Lsp.Name, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), type, Link: link.ToJson()),
            "dm3 service message (LINK).", null, LspKeys.SigningPrivateKey);
    }

    /// <summary>A dm3 Message of any type carrying <paramref name="link"/> from <paramref name="fromName"/> signed with <paramref name="signingKey64"/>.</summary>
    public Message Envelope(string to, string fromName, MessageType type, JsonObject link, byte[] signingKey64) =>
        Message.CreateSigned(new MessageMetadata(to, fromName, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), type, Link: link), "service", null, signingKey64);

    /// <summary>Stores an accepted link for the LSP at the main messenger (as "links accept" would).</summary>
    public void StoreLink(string owner, string? walletPrivateKey = null) => LinkVault.Seal(Main, [new AcceptedLink(Lsp.Name, Base64Std.Encode(LspKeys.ProfileSeed),
        walletPrivateKey ?? Hex.Encode(LspKeys.WalletPrivateKey),
        LinkObject.OriginRandom, owner, "x", ProfileHash, DateTimeOffset.UtcNow.ToUnixTimeSeconds())]);

    /// <summary>A temporary profile published under myapp.eth.</summary>
    public (Identity Temp, LspKeys Keys) Temporary()
    {
        var keys = LspKeyDerivation.FromNewEntropy();
        var temp = Component.LspComponent.IdentityOf(keys, "myapp.eth", "http://127.0.0.1:9", LinkObject.OriginRandom, null, Owner.Address);
        Directory.Publish(temp.Name, keys.Address, SignedUserProfile.Parse(temp.SignedUserProfile));
        return (temp, keys);
    }
}
