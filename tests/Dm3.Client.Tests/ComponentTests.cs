using System.Reflection;
using Dm3.Client.Component;
using Dm3.Client.State;
using Dm3.Client.Wallet;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;

namespace Dm3.Client.Tests;

/// <summary>The component side: LINK_ACCEPT validation (§8.4) and the path (a) derivation API (§3.1 rule 1).</summary>
public sealed class ComponentTests
{
    private readonly LinkWorld _world = new();

    private LspComponent Component => new(_world.Context);

    private Message Accept(string linkMessage, byte[] mainSigningKey64, LinkAttestation? attestation = null, (string, string, string, string?)? keys = null,
        string? to = null)
    {
        var request = new LinkObject(_world.Lsp.Name, _world.ProfileHash, linkMessage, new string('0', 132));
        var answer = LinkObject.ForAccept(request, mainSigningKey64, attestation, keys);
        return _world.Envelope(to ?? _world.Lsp.Name, _world.Main.Name, MessageType.LinkAccept, answer.ToJson(), mainSigningKey64);
    }

    private PendingRequest AddPending(LinkMessageType type = LinkMessageType.Link, string? requester = null)
    {
        var (text, _) = _world.LinkText(type, requester: requester);
        var pending = new PendingRequest(type.ToWire(), text, _world.ProfileHash, _world.Main.Name, _world.Lsp.Name,
            DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds());
        return pending;
    }

    [Fact]
    public async Task A_valid_link_accept_with_an_attestation_links_the_profile()
    {
        var pending = AddPending();
        _world.Lsp.Pending.Add(pending);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var attestation = new LinkAttestation(_world.Main.Name, _world.Lsp.Name, _world.ProfileHash, now, now + (180 * 86400)).Sign(_world.MainKeys.SigningPrivateKey);

        var outcome = await Component.ValidateAcceptAsync(_world.Lsp, Accept(pending.LinkMessage, _world.MainKeys.SigningPrivateKey, attestation), default);

        Assert.NotNull(outcome);
        Assert.True(outcome.HasAttestation);
        Assert.Equal(_world.Main.Name, _world.Lsp.LinkedTo);
        Assert.NotNull(_world.Lsp.Attestation);
        Assert.Empty(_world.Lsp.Pending);
    }

    [Fact]
    public async Task A_link_accept_whose_link_message_was_never_sent_is_dropped()
    {
        _world.Lsp.Pending.Add(AddPending());
        var (unsent, _) = _world.LinkText();

        Assert.Null(await Component.ValidateAcceptAsync(_world.Lsp, Accept(unsent, _world.MainKeys.SigningPrivateKey), default));
        Assert.Null(_world.Lsp.LinkedTo);
        Assert.Single(_world.Lsp.Pending);
    }

    [Fact]
    public async Task A_link_accept_not_signed_by_the_main_profile_is_dropped()
    {
        var pending = AddPending();
        _world.Lsp.Pending.Add(pending);
        var impostor = Protocol.Profiles.ProfileKeys.Generate();

        Assert.Null(await Component.ValidateAcceptAsync(_world.Lsp, Accept(pending.LinkMessage, impostor.SigningPrivateKey), default));
        Assert.Null(_world.Lsp.LinkedTo);
        Assert.Single(_world.Lsp.Pending);
    }

    [Fact]
    public async Task A_recovery_answer_with_keys_that_do_not_derive_the_published_profile_is_dropped_and_the_right_keys_are_imported()
    {
        var (temp, _) = _world.Temporary();
        var pending = AddPending(LinkMessageType.LinkRecover, temp.Name);
        temp.Pending.Add(pending);
        var wrong = LspKeyDerivation.FromNewEntropy();
        var bad = Accept(pending.LinkMessage, _world.MainKeys.SigningPrivateKey, null,
            ("random", Convert.ToBase64String(wrong.ProfileSeed), Protocol.Encoding.Hex.Encode(wrong.WalletPrivateKey), null), to: temp.Name);
        Assert.Null(await Component.ValidateAcceptAsync(temp, bad, default));

        var good = Accept(pending.LinkMessage, _world.MainKeys.SigningPrivateKey, null,
            ("random", Convert.ToBase64String(_world.LspKeys.ProfileSeed), Protocol.Encoding.Hex.Encode(_world.LspKeys.WalletPrivateKey), null), to: temp.Name);
        var outcome = await Component.ValidateAcceptAsync(temp, good, default);

        Assert.NotNull(outcome?.Recovered);
        Assert.Equal(_world.Lsp.Name, outcome.Recovered.Name);
        Assert.Equal(_world.Lsp.WalletPrivateKey, outcome.Recovered.WalletPrivateKey);
        Assert.Equal(_world.Lsp.ProfileSeed, outcome.Recovered.ProfileSeed);
    }

    [Fact]
    public void Path_a_derivation_takes_fields_never_a_text()
    {
        // Every API that yields LSP keys from a signature takes the CreationMessage fields; none accepts the signed text.
        var derivations = new[] { typeof(LspKeyDerivation), typeof(LspComponent) }
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.Contains("Signature", StringComparison.Ordinal) && m.Name.Contains("Derive", StringComparison.Ordinal)
                || m.Name == nameof(LspKeyDerivation.TryFromCreationSignature))
            .ToList();
        Assert.Equal(2, derivations.Count);
        foreach (var method in derivations)
        {
            var parameters = method.GetParameters();
            Assert.Equal(typeof(CreationMessage), parameters[0].ParameterType);
            Assert.DoesNotContain(parameters, p => p.ParameterType == typeof(string) && p.Name is not "signatureHex");
        }
    }

    [Fact]
    public async Task Path_a_asks_the_wallet_to_sign_exactly_the_text_built_from_the_fields()
    {
        var wallet = new RecordingWallet(_world.OwnerKey);
        var fields = new CreationMessage(LinkWorld.Domain, LinkWorld.Uri, LinkWorld.ChainId, wallet.Address, "myapp.eth", Protocol.Siwe.Dm3Siwe.NewNonce(),
            DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

        var keys = await LspComponent.DeriveBySignatureAsync(fields, wallet, default);
        var again = await LspComponent.DeriveBySignatureAsync(fields, wallet, default);

        Assert.Equal([fields.Format(), fields.Format()], wallet.Signed);
        Assert.NotNull(keys);
        Assert.Equal(keys.Address, again!.Address); // a deterministic wallet re-derives the same LSP (§10.2)
    }

    [Fact]
    public async Task A_signature_that_is_not_the_owners_ecdsa_signature_gives_no_keys()
    {
        var fields = new CreationMessage(LinkWorld.Domain, LinkWorld.Uri, LinkWorld.ChainId, _world.Owner.Address, "myapp.eth", Protocol.Siwe.Dm3Siwe.NewNonce(),
            DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        Assert.Null(await LspComponent.DeriveBySignatureAsync(fields, new RecordingWallet(LspKeyDerivation.FromNewEntropy().WalletPrivateKey, _world.Owner.Address), default));
    }

    [Fact]
    public void Accepted_links_are_stored_encrypted()
    {
        _world.StoreLink(_world.Owner.AddressText);

        Assert.DoesNotContain(Convert.ToBase64String(_world.LspKeys.ProfileSeed), _world.Main.LinkedSealed!, StringComparison.Ordinal);
        Assert.DoesNotContain(_world.Lsp.Name, _world.Main.LinkedSealed!, StringComparison.Ordinal);
        Assert.Equal(_world.Lsp.Name, Assert.Single(LinkVault.Open(_world.Main)).ProfileName);
    }

    /// <summary>Signs with a key, optionally claiming another address (a wallet whose signatures do not recover to its account).</summary>
    private sealed class RecordingWallet(byte[] key, byte[]? claimedAddress = null) : IWallet
    {
        public List<string> Signed { get; } = [];

        public byte[] Address { get; } = claimedAddress ?? Ethereum.AddressFromPrivateKey(key);

        public ValueTask<string> SignPersonalAsync(string text, CancellationToken cancellationToken)
        {
            Signed.Add(text);
            return ValueTask.FromResult(Ethereum.PersonalSign(key, text));
        }
    }
}
