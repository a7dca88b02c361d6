using System.Net;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery;
using Dm3.App.Tests.Delivery.Support;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// F4 of the outside probe (decisions §35): a claimed name's signed profile is public, so posting it must never hand
/// out a token. The account exists from the claim on; the way in is the challenge flow, which needs the profile's
/// Ed25519 key.
/// </summary>
public sealed class SignUpTests(DeliveryAuthFixture fixture) : IClassFixture<DeliveryAuthFixture>
{
    private HttpClient Client => fixture.Client;

    private DeliveryHost Host => fixture.Host;

    [Fact]
    public async Task A_stranger_posting_the_public_profile_of_a_just_claimed_name_gets_no_token_and_the_owner_still_gets_in()
    {
        var (owner, sender) = (new TestUser(), new TestUser());
        await DeliveryKit.ClaimAsync(Client, owner);
        await DeliveryKit.ClaimAsync(Client, sender);
        var envelope = DeliveryKit.Envelope(sender, owner, Host.DsEncryptionPublicKey, text: "for the owner only");
        Assert.Equal("OK", (string?)(await DeliveryKit.RpcAsync(Client, DeliveryKit.SubmitCall(envelope.Json.ToJsonString()))).Body["result"]);

        // The attack: read the owner's signed profile from the resolver (public) and post it to the DS first.
        var publicProfile = await (await Client.GetAsync("/resolver/profile/" + owner.Address)).Content.ReadAsStringAsync();
        var attempt = await Client.PostAsync($"/profile/{owner.Name}", DeliveryKit.Json(publicProfile));

        Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
        var refusal = await attempt.Content.ReadAsStringAsync();
        Assert.DoesNotContain("eyJ", refusal, StringComparison.Ordinal);
        Assert.Contains("/auth/", (string?)JsonNode.Parse(refusal)!["error"], StringComparison.Ordinal);
        Assert.Single(await Host.RowsAsync("Inbox", $"PartitionKey eq '{owner.Address}'"));

        // The owner signs in with the challenge flow (the profile's Ed25519 key) and reads the inbox.
        var token = await DeliveryKit.TokenAsync(Client, owner);
        var (status, _, _) = await DeliveryKit.IncomingAsync(Client, owner, token);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Claiming_a_name_opens_its_delivery_account_with_the_default_settings()
    {
        var user = new TestUser();
        Assert.Null(await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None));

        await DeliveryKit.ClaimAsync(Client, user);

        var account = await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None);
        Assert.NotNull(account);
        Assert.Equal(user.Profile.Dm3Hash, account.GetString("ProfileHash"));
        var profile = await Client.GetAsync($"/profile/{user.Name}");
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal(user.Profile.ToCanonicalJson(), await profile.Content.ReadAsStringAsync());
        var extension = await DeliveryKit.RpcAsync(Client, DeliveryKit.RpcCall("dm3_getProfileExtension", new JsonArray(user.Name)));
        Assert.Equal("{\"notSupportedMessageTypes\":[\"NEW\"]}", (string?)extension.Body["result"]);

        // Claiming the same profile again leaves the account as it was.
        await DeliveryKit.ClaimAsync(Client, user);
        Assert.Equal(account.ETag, (await Host.Tables.GetAsync(Host.Table("Accounts"), user.Address, "", CancellationToken.None))!.ETag);
    }

    [Fact]
    public async Task Even_the_owner_posting_the_current_profile_gets_no_token()
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(Client, user);

        var response = await Client.PostAsync($"/profile/{user.Name}", DeliveryKit.Json(user.Profile.ToCanonicalJson()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("profile.account_exists", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]);
    }
}
