using Dm3.Client.Main;
using Dm3.Client.State;
using Dm3.Client.Transport;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;

namespace Dm3.Client.Tests;

/// <summary>
/// §8.3 / §8.5 at the main messenger: a valid LINK becomes pending; every attack of issue 12 is dropped silently and
/// leaves nothing pending and nothing linked.
/// </summary>
public sealed class MainMessengerSecurityTests
{
    private readonly LinkWorld _world = new();

    private MainMessenger Messenger => new(_world.Context);

    private void AssertNothingAccepted()
    {
        Assert.Empty(_world.Main.Incoming);
        Assert.Empty(LinkVault.Open(_world.Main));
        Assert.NotEmpty(_world.Drops); // dropped (silently: the reason goes only to the drop log)
    }

    [Fact]
    public async Task A_valid_link_becomes_a_pending_request_of_the_same_wallet()
    {
        var request = await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText()), default);

        Assert.NotNull(request);
        Assert.True(request.SameWallet);
        Assert.Equal(_world.Lsp.Name, request.ProfileName);
        Assert.Equal(_world.Owner.AddressText, request.Owner);
        Assert.Equal(16, request.Id.Length);
        Assert.Single(_world.Main.Incoming);
        Assert.Contains("same wallet", MainMessenger.Prompt(request).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_replayed_as_link_recover_is_dropped()
    {
        var link = _world.LinkMessageFrom(_world.LinkText());
        var replay = _world.Envelope(_world.Main.Name, _world.Lsp.Name, MessageType.LinkRecover, link.Metadata.Link!.DeepClone().AsObject(),
            _world.LspKeys.SigningPrivateKey);

        Assert.Null(await Messenger.ValidateAsync(_world.Main, replay, default));
        AssertNothingAccepted();
    }

    [Fact]
    public async Task A_replayed_nonce_is_dropped_even_after_the_first_request_was_rejected()
    {
        var nonce = Protocol.Siwe.Dm3Siwe.NewNonce();
        var first = await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(nonce: nonce)), default);
        Assert.NotNull(first);
        Assert.True(MainMessenger.Reject(_world.Main, first.Id));

        // The same nonce in a new, validly signed message; and the very same message again.
        Assert.Null(await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(nonce: nonce, validity: TimeSpan.FromHours(2))), default));
        AssertNothingAccepted();
    }

    [Fact]
    public async Task A_link_message_for_another_main_name_is_dropped()
    {
        Assert.Null(await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(main: "someone-else.eth")), default));
        AssertNothingAccepted();
    }

    [Fact]
    public async Task An_expired_link_is_dropped()
    {
        var old = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeSeconds());
        Assert.Null(await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(issuedAt: old, validity: TimeSpan.FromDays(1))), default));
        AssertNothingAccepted();
    }

    [Fact]
    public async Task A_tampered_profile_hash_is_dropped()
    {
        var tampered = "0x" + new string('a', 64);
        Assert.Null(await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(hash: tampered)), default));
        AssertNothingAccepted();
    }

    [Fact]
    public async Task Keys_that_do_not_derive_the_published_profile_are_dropped()
    {
        var other = LspKeyDerivation.FromNewEntropy();
        Assert.Null(await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(), keys: other), default));
        AssertNothingAccepted();
    }

    [Fact]
    public async Task A_request_by_another_wallet_is_flagged_and_accepted_only_with_the_extra_confirmation()
    {
        var stranger = LspKeyDerivation.FromNewEntropy().WalletPrivateKey;
        var request = await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(signer: stranger)), default);

        Assert.NotNull(request);
        Assert.False(request.SameWallet);
        Assert.Contains("another wallet", MainMessenger.Prompt(request).Text, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<ClientException>(() => Messenger.AcceptAsync(_world.Main, request.Id, false, 180, confirmOtherWallet: false, default));
        Assert.Equal("confirm_other_wallet", refused.Code);
        Assert.Empty(LinkVault.Open(_world.Main));
    }

    [Fact]
    public async Task A_request_by_another_wallet_is_accepted_once_the_other_wallet_is_confirmed()
    {
        var stranger = LspKeyDerivation.FromNewEntropy().WalletPrivateKey;
        var request = await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(signer: stranger)), default);
        Assert.NotNull(request);
        var prompt = MainMessenger.Prompt(request);
        Assert.False(prompt.SameWallet);
        Assert.Contains(Protocol.Crypto.Ethereum.ToChecksumAddress(Protocol.Crypto.Ethereum.AddressFromPrivateKey(stranger)), prompt.Text, StringComparison.Ordinal);

        // With the confirmation the guard passes; the answer then fails only at delivery (this world has no delivery service).
        var failure = await Record.ExceptionAsync(() => Messenger.AcceptAsync(_world.Main, request.Id, false, 180, confirmOtherWallet: true, default));
        Assert.False(failure is ClientException { Code: "confirm_other_wallet" });
    }

    [Fact]
    public async Task A_resent_link_with_the_same_owner_and_identical_keys_refreshes_the_link_without_a_new_request()
    {
        _world.StoreLink(_world.Owner.AddressText);
        var before = Assert.Single(LinkVault.Open(_world.Main));
        var signed = _world.LinkText();

        var refreshed = await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(signed), default);

        Assert.NotNull(refreshed);
        Assert.True(refreshed.Refreshed);
        Assert.Empty(_world.Main.Incoming);
        var after = Assert.Single(LinkVault.Open(_world.Main));
        Assert.Equal(signed.Text, after.LinkMessage);
        Assert.NotEqual(before.LinkMessage, after.LinkMessage);
        Assert.Equal(before.ProfileSeed, after.ProfileSeed);
        Assert.Equal(before.Owner, after.Owner);
    }

    [Fact]
    public async Task A_resent_link_by_another_owner_or_with_other_keys_is_a_new_request()
    {
        _world.StoreLink(_world.Owner.AddressText);
        var stored = Assert.Single(LinkVault.Open(_world.Main));

        // Another owner wallet.
        var stranger = LspKeyDerivation.FromNewEntropy().WalletPrivateKey;
        var byOther = await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText(signer: stranger)), default);
        Assert.NotNull(byOther);
        Assert.False(byOther.Refreshed);

        // Other keys: the stored link holds a wallet key that no longer matches what the LSP sends.
        _world.StoreLink(_world.Owner.AddressText, walletPrivateKey: Protocol.Encoding.Hex.Encode(LspKeyDerivation.FromNewEntropy().WalletPrivateKey));
        var withOtherKeys = await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText()), default);
        Assert.NotNull(withOtherKeys);
        Assert.False(withOtherKeys.Refreshed);

        Assert.Equal(2, _world.Main.Incoming.Count);
        Assert.Equal(stored.LinkMessage, Assert.Single(LinkVault.Open(_world.Main)).LinkMessage);
    }

    [Fact]
    public async Task A_fourth_request_for_the_same_profile_within_a_day_is_dropped()
    {
        for (var i = 0; i < MainMessenger.MaxPerProfilePerDay; i++)
        {
            Assert.NotNull(await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText()), default));
        }

        Assert.Null(await Messenger.ValidateAsync(_world.Main, _world.LinkMessageFrom(_world.LinkText()), default));
        Assert.Equal(MainMessenger.MaxPerProfilePerDay, _world.Main.Incoming.Count);
    }

    [Fact]
    public async Task A_second_copy_of_a_pending_request_is_the_same_request()
    {
        var message = _world.LinkMessageFrom(_world.LinkText());
        Assert.NotNull(await Messenger.ValidateAsync(_world.Main, message, default));
        Assert.Null(await Messenger.ValidateAsync(_world.Main, message, default));
        Assert.Single(_world.Main.Incoming);
    }

    [Fact]
    public async Task Link_recover_from_the_linking_wallet_becomes_pending_and_from_another_wallet_is_dropped()
    {
        _world.StoreLink(_world.Owner.AddressText);
        var (temp, tempKeys) = _world.Temporary();
        var signed = _world.LinkText(LinkMessageType.LinkRecover, requester: temp.Name);
        var valid = _world.Envelope(_world.Main.Name, temp.Name, MessageType.LinkRecover, LinkObject.ForRecover(signed.Text, signed.Signature).ToJson(),
            tempKeys.SigningPrivateKey);
        var strangerKey = LspKeyDerivation.FromNewEntropy().WalletPrivateKey;
        var foreign = _world.LinkText(LinkMessageType.LinkRecover, requester: temp.Name, signer: strangerKey);
        var other = _world.Envelope(_world.Main.Name, temp.Name, MessageType.LinkRecover, LinkObject.ForRecover(foreign.Text, foreign.Signature).ToJson(),
            tempKeys.SigningPrivateKey);

        Assert.Null(await Messenger.ValidateAsync(_world.Main, other, default));
        Assert.Empty(_world.Main.Incoming);
        var request = await Messenger.ValidateAsync(_world.Main, valid, default);
        Assert.NotNull(request);
        Assert.Equal("LINK_RECOVER", request.Type);
        Assert.Equal(temp.Name, request.From);
    }

    [Fact]
    public async Task Link_recover_for_a_profile_that_is_not_linked_or_whose_published_profile_changed_is_dropped()
    {
        var (temp, tempKeys) = _world.Temporary();
        var signed = _world.LinkText(LinkMessageType.LinkRecover, requester: temp.Name);
        var message = _world.Envelope(_world.Main.Name, temp.Name, MessageType.LinkRecover, LinkObject.ForRecover(signed.Text, signed.Signature).ToJson(),
            tempKeys.SigningPrivateKey);
        Assert.Null(await Messenger.ValidateAsync(_world.Main, message, default));

        // Linked, but the stored keys no longer derive what is published under the name.
        _world.StoreLink(_world.Owner.AddressText);
        var replaced = LspKeyDerivation.FromNewEntropy();
        var profile = Protocol.Profiles.SignedUserProfile.Parse(_world.Lsp.SignedUserProfile);
        _world.Directory.Publish(_world.Lsp.Name, _world.LspKeys.Address, Protocol.Profiles.SignedUserProfile.Sign(
            new Protocol.Profiles.UserProfile(Convert.ToBase64String(replaced.EncryptionPublicKey), Convert.ToBase64String(replaced.SigningPublicKey),
                profile.Profile.DeliveryServices), _world.LspKeys.WalletPrivateKey));
        var changedHash = _world.Directory.Profiles[_world.Lsp.Name].ProfileHash;
        var again = _world.LinkText(LinkMessageType.LinkRecover, requester: temp.Name, hash: changedHash);
        Assert.Null(await Messenger.ValidateAsync(_world.Main, _world.Envelope(_world.Main.Name, temp.Name, MessageType.LinkRecover,
            LinkObject.ForRecover(again.Text, again.Signature).ToJson(), tempKeys.SigningPrivateKey), default));
        Assert.Empty(_world.Main.Incoming);
    }
}
