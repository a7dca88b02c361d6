using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;

namespace Dm3.Client.Transport;

/// <summary>
/// One delivery service (by its URL from its <c>network.dm3.deliveryService</c> profile): profile submission, the
/// challenge login (GET/POST <c>/auth/{name}</c>), <c>dm3_submitMessage</c> on <c>/rpc</c>, incoming envelopes and
/// acknowledgements.
/// </summary>
public sealed class DeliveryApi(HttpClient http, string url)
{
    private readonly BackendApi _api = new(http, url);

    public string Url => _api.BaseUrl;

    /// <summary><c>POST /profile/{name}</c>: makes sure the account exists. Its answer (a token on older services) is not used.</summary>
    public async Task SubmitProfileAsync(string name, string signedUserProfileJson, CancellationToken ct)
    {
        try
        {
            await _api.SendRawAsync(HttpMethod.Post, "/profile/" + Uri.EscapeDataString(name), signedUserProfileJson, null, ct).ConfigureAwait(false);
        }
        catch (ClientException e) when (e.Code is "profile.account_exists" or "account.exists" or "http_409")
        {
            // The account exists already (created by the claim or registration).
        }
    }

    /// <summary>The challenge flow: GET a challenge, sign the whole text with the profile's Ed25519 key, POST it back for a token.</summary>
    public async Task<string> LoginAsync(string name, byte[] signingKey64, CancellationToken ct)
    {
        var path = "/auth/" + Uri.EscapeDataString(name);
        var challenge = (await _api.SendRawAsync(HttpMethod.Get, path, null, null, ct).ConfigureAwait(false))?.GetValue<string>()
            ?? throw new ClientException("bad_response", "No challenge.");
        var body = new JsonObject { ["challenge"] = challenge, ["signature"] = Ed25519.SignText(signingKey64, challenge) };
        return (await _api.SendRawAsync(HttpMethod.Post, path, body.ToJsonString(), null, ct).ConfigureAwait(false))?.GetValue<string>()
            ?? throw new ClientException("bad_response", "No token.");
    }

    /// <summary><c>dm3_submitMessage</c> with the envelope as a JSON string (params[0]).</summary>
    public async Task SubmitMessageAsync(string envelopeJson, string? token, CancellationToken ct)
    {
        var call = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "dm3_submitMessage",
            ["params"] = token is null ? new JsonArray(envelopeJson) : new JsonArray(envelopeJson, token),
        };
        var answer = await _api.SendRawAsync(HttpMethod.Post, "/rpc", call.ToJsonString(), null, ct).ConfigureAwait(false);
        if (answer?["error"] is JsonObject error)
        {
            throw new ClientException(error["data"]?["code"]?.ToString() ?? error["code"]?.ToString() ?? "rpc_error",
                "dm3_submitMessage: " + (error["message"]?.ToString() ?? "refused"));
        }
    }

    public async Task<JsonArray> IncomingAsync(string name, string token, CancellationToken ct) =>
        await _api.SendRawAsync(HttpMethod.Get, "/delivery/messages/incoming/" + Uri.EscapeDataString(name), null, token, ct).ConfigureAwait(false) as JsonArray ?? [];

    public Task AcknowledgeAsync(string name, string token, IEnumerable<(string Contact, string Hash)> acks, CancellationToken ct) =>
        _api.SendRawAsync(HttpMethod.Post, "/delivery/messages/" + Uri.EscapeDataString(name) + "/syncAcknowledgements", new JsonObject
        {
            ["acknowledgements"] = new JsonArray([.. acks.Select(a => (JsonNode)new JsonObject { ["contactAddress"] = a.Contact, ["messageHash"] = a.Hash })]),
        }.ToJsonString(), token, ct);
}
