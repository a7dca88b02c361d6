using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dm3.Protocol.Crypto;

namespace Dm3.Client.Transport;

/// <summary>A failed call to a backend or delivery service: the status and the service's machine code when it gave one.</summary>
public sealed class ClientException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>An LSP owner session (§5.3). The token is a secret: never print it.</summary>
public sealed record OwnerSession(string Token, string SessionId, string App, IReadOnlyList<string> Scopes)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("SessionId = ").Append(SessionId).Append(", App = ").Append(App);
        return true;
    }
}

/// <summary>A server nonce with the suggested times (§5.1).</summary>
public sealed record ServerNonce(string Nonce, DateTimeOffset IssuedAt, DateTimeOffset ExpirationTime);

/// <summary>
/// The HTTP API of one backend: the LSP service (<c>/lsp/v1</c>), the resolver's claim route and the delivery
/// service routes (challenge login, profile submission, <c>/rpc</c>, incoming messages). JSON over HttpClient only.
/// </summary>
public sealed class BackendApi(HttpClient http, string baseUrl)
{
    public string BaseUrl { get; } = baseUrl.TrimEnd('/');

    public async Task<ServerNonce> NonceAsync(string app, string purpose, CancellationToken ct)
    {
        var o = await SendAsync(HttpMethod.Post, "/lsp/v1/nonces", new JsonObject { ["app"] = app, ["purpose"] = purpose }, null, ct).ConfigureAwait(false);
        return new ServerNonce(Str(o, "nonce"), DateTimeOffset.Parse(Str(o, "issuedAt"), System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(Str(o, "expirationTime"), System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<OwnerSession> OpenSessionAsync(string message, string signature, CancellationToken ct)
    {
        var o = await SendAsync(HttpMethod.Post, "/lsp/v1/sessions", new JsonObject { ["message"] = message, ["signature"] = signature }, null, ct).ConfigureAwait(false);
        var scopes = (o["scopes"] as JsonArray)?.Select(s => s!.GetValue<string>()).ToList() ?? [];
        return new OwnerSession(Str(o, "token"), Str(o, "sessionId"), Str(o, "app"), scopes);
    }

    public async Task<JsonArray> QueryAsync(OwnerSession session, bool includeEscrow, CancellationToken ct)
    {
        var o = await SendAsync(HttpMethod.Post, "/lsp/v1/profiles/query", new JsonObject { ["includeEscrow"] = includeEscrow }, session.Token, ct).ConfigureAwait(false);
        return o["profiles"] as JsonArray ?? [];
    }

    public Task RegisterAsync(OwnerSession session, JsonObject body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/lsp/v1/profiles", body, session.Token, ct);

    public Task DeleteLspAsync(OwnerSession session, string lspName, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "/lsp/v1/profiles/" + Uri.EscapeDataString(lspName), null, session.Token, ct);

    public Task PutLinkRecordAsync(string lspName, JsonObject attestation, string message, string signature, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, "/lsp/v1/link-records/" + Uri.EscapeDataString(lspName),
            new JsonObject { ["attestation"] = attestation, ["proof"] = new JsonObject { ["message"] = message, ["signature"] = signature } }, null, ct);

    public Task DeleteLinkRecordAsync(string lspName, string message, string signature, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "/lsp/v1/link-records/" + Uri.EscapeDataString(lspName),
            new JsonObject { ["proof"] = new JsonObject { ["message"] = message, ["signature"] = signature } }, null, ct);

    /// <summary><c>POST /resolver/profile/address</c>: claims <c>&lt;address&gt;.&lt;subdomain&gt;</c> (anonymous LSP, temporary or main profile).</summary>
    public Task ClaimAddressAsync(string signedUserProfileJson, byte[] address, string subdomain, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/resolver/profile/address", new JsonObject
        {
            ["signedUserProfile"] = JsonNode.Parse(signedUserProfileJson),
            ["address"] = Ethereum.ToChecksumAddress(address),
            ["subdomain"] = subdomain,
        }, null, ct);

    /// <summary><c>POST /resolver/nonces</c> for a resolver write (purpose <c>profile-delete</c> or <c>profile-update</c>).</summary>
    public async Task<ServerNonce> ResolverNonceAsync(string app, string purpose, CancellationToken ct)
    {
        var o = await SendAsync(HttpMethod.Post, "/resolver/nonces", new JsonObject { ["app"] = app, ["purpose"] = purpose }, null, ct).ConfigureAwait(false);
        return new ServerNonce(Str(o, "nonce"), DateTimeOffset.Parse(Str(o, "issuedAt"), System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(Str(o, "expirationTime"), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary><c>DELETE /resolver/profile/{name}</c> with a wallet proof of the name's address.</summary>
    public Task DeleteNameAsync(string name, string message, string signature, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "/resolver/profile/" + Uri.EscapeDataString(name), new JsonObject { ["message"] = message, ["signature"] = signature }, null, ct);

    internal async Task<JsonNode?> SendRawAsync(HttpMethod method, string path, string? body, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, BaseUrl + path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string code = $"http_{(int)response.StatusCode}";
            string detail = text.Length > 300 ? text[..300] : text;
            try
            {
                if (JsonNode.Parse(text) is JsonObject problem)
                {
                    code = problem["code"]?.GetValue<string>() ?? problem["error"]?["code"]?.GetValue<string>() ?? code;
                    detail = problem["detail"]?.GetValue<string>() ?? problem["title"]?.GetValue<string>() ?? problem["message"]?.GetValue<string>() ?? detail;
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
            catch (InvalidOperationException)
            {
            }

            throw new ClientException(code, $"{method} {path}: {(int)response.StatusCode} {detail}");
        }

        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, string? token, CancellationToken ct) =>
        await SendRawAsync(method, path, body?.ToJsonString(), token, ct).ConfigureAwait(false) as JsonObject ?? [];

    internal static string Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ClientException("bad_response", $"The answer has no string '{name}'.");
}
