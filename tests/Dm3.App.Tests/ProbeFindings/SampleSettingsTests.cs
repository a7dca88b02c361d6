using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery.Support;
using Dm3.App.Tests.Profiles;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Nonces;
using Dm3.Backend.Profiles;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// F5 of the outside probe: the app settings of <c>local.settings.sample.json</c> (the documented local set-up) must let
/// a wallet proof pass the strict EIP-4361 rules (https URI whose authority is the domain), so every flow runs locally.
/// </summary>
public sealed class SampleSettingsTests
{
    [Fact]
    public async Task A_wallet_proof_written_for_the_sample_apps_domain_replaces_a_profile()
    {
        var apps = SampleAppSettings();
        await using var host = new DeliveryHost(pump: false, apps);
        using var client = host.CreateClient();
        await host.WaitForStorageAsync();
        var parent = apps["Apps__0__ParentName"]!;
        var domain = apps["Apps__0__Domains__0__Host"]!;
        var chainId = ulong.Parse(apps["Apps__0__ChainIds__0"]!, CultureInfo.InvariantCulture);
        Assert.Equal(DeliveryHost.Parent, parent);

        var user = new TestUser();
        await DeliveryKit.ClaimAsync(client, user);
        var wallet = new TestWallet(user.WalletKey);
        var replacement = user.OtherProfileOfSameWallet();
        var nonce = await ResolverTestKit.IssueNonceAsync(client, NoncePurposes.ProfileUpdate, parent);
        var proof = ResolverTestKit.Proof(wallet, nonce, ClaimAddressHandler.ProfileHashResource(replacement.Dm3Hash), host.Clock.GetUtcNow(), domain, chainId);

        var response = await client.PostAsync("/resolver/profile/address",
            DeliveryKit.Json(ResolverTestKit.ClaimBody(replacement, wallet.Checksum, "addr." + parent, proof)));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(replacement.ToCanonicalJson(), await (await client.GetAsync("/resolver/profile/" + user.Address)).Content.ReadAsStringAsync());
    }

    /// <summary>The sample's <c>Apps__*</c> values exactly as written there.</summary>
    private static Dictionary<string, string?> SampleAppSettings()
    {
        var sample = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf("local.settings.sample.json")))!["Values"]!.AsObject();
        var apps = sample.Where(p => p.Key.StartsWith("Apps__", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);
        Assert.Contains("Apps__0__Domains__0__Host", apps.Keys);
        return apps;
    }
}
