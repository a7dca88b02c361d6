using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Siwe;

namespace Dm3.App.Tests.Profiles;

/// <summary>A test wallet (EOA).</summary>
public sealed class TestWallet
{
    public TestWallet(byte[]? key = null)
    {
        Key = key ?? ResolverHost.RandomKey();
        Address = Ethereum.AddressFromPrivateKey(Key);
    }

    public byte[] Key { get; }

    public byte[] Address { get; }

    public string Checksum => Ethereum.ToChecksumAddress(Address);

    public string Lower => Ethereum.ToLowerAddress(Address);

    public string Name => Lower + ".addr." + ResolverHost.Parent;

    public SignedUserProfile SignProfile(UserProfile profile) => SignedUserProfile.Sign(profile, Key);

    public string PersonalSign(string text) => Ethereum.PersonalSign(Key, text);
}

/// <summary>Builders for request bodies, profiles and EIP-4361 proofs.</summary>
public static class ResolverTestKit
{
    /// <summary>The client as a browser dApp on another origin uses it: every request carries <c>Origin</c>.</summary>
    public static HttpClient Browser(HttpClient client, string origin = "https://dapp.example")
    {
        client.DefaultRequestHeaders.Add("Origin", origin);
        return client;
    }

    public static UserProfile NewProfile(params string[] deliveryServices) => new(
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        deliveryServices.Length == 0 ? ["ds." + ResolverHost.Parent] : deliveryServices);

    public static JsonObject ClaimBody(SignedUserProfile profile, string address, string subdomain = "addr." + ResolverHost.Parent, JsonObject? proof = null)
    {
        var body = new JsonObject
        {
            ["signedUserProfile"] = profile.ToJsonObject(),
            ["address"] = address,
            ["subdomain"] = subdomain,
        };
        if (proof is not null)
        {
            body["proof"] = proof;
        }

        return body;
    }

    /// <summary>An EIP-4361 proof in our strict layout, signed by <paramref name="signer"/> (default: <paramref name="wallet"/>).</summary>
    public static JsonObject Proof(
        TestWallet wallet,
        string nonce,
        string resource,
        DateTimeOffset now,
        string domain = ResolverHost.Domain,
        ulong chainId = 1,
        TestWallet? signer = null,
        TimeSpan? lifetime = null)
    {
        var message = Dm3Siwe.Compose(domain, wallet.Address, "Update my dm3 profile.", "https://" + domain + "/", chainId, nonce,
            now, now + (lifetime ?? TimeSpan.FromSeconds(300)), [resource]);
        var text = Dm3Siwe.FormatStrict(message);
        return new JsonObject { ["message"] = text, ["signature"] = (signer ?? wallet).PersonalSign(text) };
    }

    public static async Task<string> IssueNonceAsync(HttpClient client, string purpose, string app = ResolverHost.Parent)
    {
        var response = await client.PostAsJsonAsync("/resolver/nonces", new { app, purpose });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (string)json["nonce"]!;
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static async Task<string?> ProblemCodeAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }
}
