using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dm3.Adapters.Http;

namespace Dm3.Adapters.KeyVault;

/// <summary>
/// Key Vault keys over REST (api-version 7.5): get key, sign, wrapKey, unwrapKey. Requests always go to the configured
/// vault; key ids in responses are parsed for name and version only, so a token never travels to a host from a response.
/// Failures (401, 403, 404 KeyNotFound, 400 BadParameter, exhausted 429 retries) throw <see cref="RemoteServiceException"/>.
/// </summary>
public sealed class KeyVaultClient
{
    public const string ApiVersion = "7.5";
    private const string Service = "Key Vault";

    private readonly AdapterHttp _http;
    private readonly Uri _vault;

    public KeyVaultClient(HttpClient httpClient, KeyVaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = new AdapterHttp(httpClient, options.Authorizer, options.Resilience);
        _vault = new Uri(options.VaultUri.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>The vault base URI (scheme and authority).</summary>
    public Uri VaultUri => _vault;

    /// <summary>Gets a key (latest version when <paramref name="version"/> is null).</summary>
    public async Task<KeyVaultKey> GetKeyAsync(string name, string? version, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, KeyPath(name, version), null, cancellationToken).ConfigureAwait(false);
        using var doc = await ReadJsonAsync("get key", response, cancellationToken).ConfigureAwait(false);
        if (!doc.RootElement.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.Object)
        {
            throw new RemoteServiceException(Service, "get key", response.StatusCode, null, "The response has no key.");
        }
        return new KeyVaultKey(
            String(key, "kid") ?? throw new RemoteServiceException(Service, "get key", response.StatusCode, null, "The key has no kid."),
            String(key, "kty") ?? "",
            String(key, "crv"),
            Bytes(key, "x"),
            Bytes(key, "y"),
            Bytes(key, "n"),
            Bytes(key, "e"));
    }

    /// <summary>Signs a digest as given (Key Vault does not hash it). For ES256K the result is 64 bytes r‖s (s may be high).</summary>
    public Task<KeyOperationResult> SignAsync(string name, string? version, string algorithm, ReadOnlyMemory<byte> digest, CancellationToken cancellationToken) =>
        OperationAsync("sign", name, version, algorithm, digest, cancellationToken);

    public Task<KeyOperationResult> WrapKeyAsync(string name, string? version, string algorithm, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken) =>
        OperationAsync("wrapkey", name, version, algorithm, plaintext, cancellationToken);

    public Task<KeyOperationResult> UnwrapKeyAsync(string name, string version, string algorithm, ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        return OperationAsync("unwrapkey", name, version, algorithm, ciphertext, cancellationToken);
    }

    /// <summary>
    /// Splits a key id <c>https://{vault}/keys/{name}[/{version}]</c> into name and version. False when it is not a key id
    /// of this client's vault.
    /// </summary>
    public bool TryParseKeyId(string? keyId, [NotNullWhen(true)] out string? name, out string? version)
    {
        name = null;
        version = null;
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var uri)
            || !string.Equals(uri.GetLeftPart(UriPartial.Authority), _vault.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length is < 2 or > 3 || segments[0] != "keys" || !IsValidName(segments[1]) || (segments.Length == 3 && !IsValidName(segments[2])))
        {
            return false;
        }
        name = segments[1];
        version = segments.Length == 3 ? segments[2] : null;
        return true;
    }

    private async Task<KeyOperationResult> OperationAsync(string operation, string name, string? version, string algorithm, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(algorithm);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["alg"] = algorithm,
            ["value"] = Base64Url.Encode(value.Span),
        });
        using var response = await SendAsync(HttpMethod.Post, KeyPath(name, version) + "/" + operation, body, cancellationToken).ConfigureAwait(false);
        using var doc = await ReadJsonAsync(operation, response, cancellationToken).ConfigureAwait(false);
        var kid = String(doc.RootElement, "kid");
        var output = Bytes(doc.RootElement, "value");
        if (kid is null || output is null)
        {
            throw new RemoteServiceException(Service, operation, response.StatusCode, null, "The response lacks kid or value.");
        }
        return new KeyOperationResult(kid, output);
    }

    private static string KeyPath(string name, string? version)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid Key Vault key name.", nameof(name));
        }
        if (version is not null && !IsValidName(version))
        {
            throw new ArgumentException($"'{version}' is not a valid Key Vault key version.", nameof(version));
        }
        return "/keys/" + name + (version is null ? "" : "/" + version);
    }

    private static bool IsValidName(string? text) =>
        text is { Length: > 0 and <= 127 } && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        var url = new Uri(_vault, path + "?api-version=" + ApiVersion);
        return _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(method, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
            return request;
        }, cancellationToken);
    }

    private static async Task<JsonDocument> ReadJsonAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        JsonDocument? doc = null;
        try
        {
            doc = bytes.Length > 0 ? JsonDocument.Parse(bytes) : null;
        }
        catch (JsonException)
        {
            doc = null;
        }
        if (response.StatusCode == HttpStatusCode.OK && doc is not null)
        {
            return doc;
        }
        string? code = null, message = null;
        if (doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            code = String(error, "code");
            message = String(error, "message");
            if (error.TryGetProperty("innererror", out var inner) && inner.ValueKind == JsonValueKind.Object && String(inner, "code") is { } innerCode)
            {
                message = $"{message} ({innerCode})";
            }
        }
        doc?.Dispose();
        throw new RemoteServiceException(Service, operation, response.StatusCode, code, message ?? response.ReasonPhrase);
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement element, string name) =>
        String(element, name) is { } text ? Base64Url.Decode(text) : null;
}

/// <summary>Unpadded base64url (RFC 4648 §5), as JOSE and Key Vault use it.</summary>
internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes with or without padding; throws <see cref="FormatException"/> on other input.</summary>
    public static byte[] Decode(string text)
    {
        var b64 = text.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
        return Convert.FromBase64String(b64);
    }
}
