using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;

namespace Dm3.App.Tests.Delivery.Support;

/// <summary>A dm3 user of the test app: wallet, profile keys, the signed profile and its hosted name.</summary>
internal sealed class TestUser
{
    /// <param name="parent">The app whose address name the user gets (another backend's app in the relay tests).</param>
    public TestUser(string parent = DeliveryHost.Parent)
    {
        Parent = parent;
        WalletKey = RandomWalletKey();
        Address = Ethereum.ToLowerAddress(Ethereum.AddressFromPrivateKey(WalletKey));
        Keys = ProfileKeys.Generate();
        Profile = SignedUserProfile.Sign(Keys.ToUserProfile(["ds." + parent]), WalletKey);
    }

    public string Parent { get; }

    public byte[] WalletKey { get; }

    public string Address { get; }

    public ProfileKeys Keys { get; }

    public SignedUserProfile Profile { get; }

    public string Name => Address + ".addr." + Parent;

    public static byte[] RandomWalletKey()
    {
        while (true)
        {
            var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
            if (Secp256k1.IsValidPrivateKey(key))
            {
                return key;
            }
        }
    }

    /// <summary>Another validly signed profile of the same wallet (new keys): not the one the name resolves to.</summary>
    public SignedUserProfile OtherProfileOfSameWallet() => SignedUserProfile.Sign(ProfileKeys.Generate().ToUserProfile(["ds." + Parent]), WalletKey);
}

/// <summary>Requests against the delivery routes and the resolver, and envelope builders.</summary>
internal static class DeliveryKit
{
    public static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    public static StringContent Json(JsonNode node) => Json(node.ToJsonString());

    /// <summary>Claims the user's address name at the resolver (the DS serves hosted names only).</summary>
    public static async Task ClaimAsync(HttpClient client, TestUser user)
    {
        var body = new JsonObject
        {
            ["signedUserProfile"] = user.Profile.ToJsonObject(),
            ["address"] = Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(user.WalletKey)),
            ["subdomain"] = "addr." + user.Parent,
        };
        var response = await client.PostAsync("/resolver/profile/address", Json(body));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"claim failed: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// A name claimed before accounts were opened at claim time (or whose account was removed): claims it, then deletes
    /// its Accounts row, the only way left to reach the "no account" paths.
    /// </summary>
    public static async Task ClaimWithoutAccountAsync(HttpClient client, TestUser user, IServiceProvider services)
    {
        await ClaimAsync(client, user);
        var tables = services.GetRequiredService<Dm3.Backend.Storage.ITableStore>();
        var accounts = services.GetRequiredService<Dm3.Backend.Delivery.DeliveryStorage>().Accounts.Name;
        var row = await tables.GetAsync(accounts, user.Address, "", CancellationToken.None);
        Assert.True((await tables.DeleteAsync(accounts, user.Address, "", row!.ETag!, CancellationToken.None)).IsOk);
    }

    /// <summary>Claims the name (which opens the DS account, decisions §35) and signs in with the challenge flow; returns the token.</summary>
    public static async Task<string> RegisterAsync(HttpClient client, TestUser user)
    {
        await ClaimAsync(client, user);
        return await TokenAsync(client, user);
    }

    /// <summary>A fresh token for a user whose account exists (the challenge flow; POST /profile never issues one).</summary>
    public static async Task<string> TokenAsync(HttpClient client, TestUser user)
    {
        var response = await LoginAsync(client, user.Name, user.Keys.SigningPrivateKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize<string>(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>The challenge flow: GET /auth, sign the whole challenge text with the profile key, POST /auth.</summary>
    public static async Task<HttpResponseMessage> LoginAsync(HttpClient client, string name, byte[] signingKey, string? challenge = null)
    {
        challenge ??= await ChallengeAsync(client, name);
        var body = new JsonObject { ["signature"] = Ed25519.SignText(signingKey, challenge), ["challenge"] = challenge };
        return await client.PostAsync($"/auth/{name}", Json(body));
    }

    public static async Task<string> ChallengeAsync(HttpClient client, string name)
    {
        var response = await client.GetAsync($"/auth/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize<string>(await response.Content.ReadAsStringAsync())!;
    }

    public static EncryptionEnvelope Envelope(TestUser from, TestUser to, byte[] dsEncryptionPublicKey, string text = "hello", long? timestamp = null,
        byte[]? senderSigningKey = null, string? toName = null, MessageType type = MessageType.New)
    {
        var message = Message.CreateSigned(new MessageMetadata(toName ?? to.Name, from.Name, timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), type),
            text, null, from.Keys.SigningPrivateKey);
        return EnvelopeBuilder.Build(message, to.Keys.EncryptionPublicKey, dsEncryptionPublicKey, senderSigningKey ?? from.Keys.SigningPrivateKey);
    }

    public static JsonObject RpcCall(string method, JsonArray? parameters, JsonNode? id = null)
    {
        var call = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters ?? new JsonArray() };
        if (id is not null)
        {
            call["id"] = id;
        }

        return call;
    }

    /// <summary>The dm3 client's submit body: params[0] the envelope as a JSON string (insertion order), params[1] a legacy token.</summary>
    public static JsonObject SubmitCall(string envelopeJson, JsonNode? id = null) =>
        RpcCall("dm3_submitMessage", new JsonArray(envelopeJson, "legacy-token"), id);

    public static async Task<(HttpStatusCode Status, JsonObject Body)> RpcAsync(HttpClient client, string body)
    {
        var response = await client.PostAsync("/rpc", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    public static Task<(HttpStatusCode Status, JsonObject Body)> RpcAsync(HttpClient client, JsonNode body) => RpcAsync(client, body.ToJsonString());

    public static int? ErrorCode(JsonObject response) => (int?)response["error"]?["code"];

    public static HttpRequestMessage Authorized(HttpMethod method, string path, string token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static async Task<(HttpStatusCode Status, JsonArray? Envelopes, string? NextCursor)> IncomingAsync(HttpClient client, TestUser user, string token, string query = "")
    {
        var response = await client.SendAsync(Authorized(HttpMethod.Get, $"/delivery/messages/incoming/{user.Name}{query}", token));
        var text = await response.Content.ReadAsStringAsync();
        var cursor = response.Headers.TryGetValues("X-Next-Cursor", out var values) ? values.Single() : null;
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsArray() : null, cursor);
    }

    public static async Task<HttpStatusCode> AcknowledgeAsync(HttpClient client, TestUser user, string token, params (string From, string Hash)[] acks)
    {
        var list = new JsonArray(acks.Select(a => (JsonNode)new JsonObject { ["contactAddress"] = a.From, ["messageHash"] = a.Hash }).ToArray());
        var response = await client.SendAsync(Authorized(HttpMethod.Post, $"/delivery/messages/{user.Name}/syncAcknowledgements/", token,
            Json(new JsonObject { ["acknowledgements"] = list })));
        return response.StatusCode;
    }
}
