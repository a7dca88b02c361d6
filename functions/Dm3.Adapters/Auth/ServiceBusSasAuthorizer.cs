using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dm3.Adapters.Auth;

/// <summary>
/// Authorizes Service Bus REST requests with a Shared Access Signature computed from a policy key:
/// <c>SharedAccessSignature sr={enc(resource)}&amp;sig={enc(base64(HMAC-SHA256(key, enc(resource)+"\n"+expiry)))}&amp;se={expiry}&amp;skn={policy}</c>.
/// The resource is the request's entity URI (scheme, host and the first path segment, lower-cased).
/// </summary>
public sealed class ServiceBusSasAuthorizer : IRequestAuthorizer
{
    private readonly string _keyName;
    private readonly byte[] _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    /// <param name="keyName">The SharedAccessKeyName (policy name).</param>
    /// <param name="key">The SharedAccessKey text exactly as in the connection string (its UTF-8 bytes are the HMAC key).</param>
    /// <param name="lifetime">Validity of each token (default 1 hour).</param>
    public ServiceBusSasAuthorizer(string keyName, string key, TimeSpan? lifetime = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        _keyName = keyName;
        _key = Encoding.UTF8.GetBytes(key);
        _lifetime = lifetime ?? TimeSpan.FromHours(1);
        _time = timeProvider ?? TimeProvider.System;
    }

    public ValueTask AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var expiry = _time.GetUtcNow().Add(_lifetime).ToUnixTimeSeconds();
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", CreateToken(EntityResource(uri), expiry));
        return ValueTask.CompletedTask;
    }

    /// <summary>Builds the token for a resource URI and a unix expiry (seconds).</summary>
    public string CreateToken(string resourceUri, long unixExpiry)
    {
        var encodedResource = Uri.EscapeDataString(resourceUri.ToLowerInvariant());
        var expiry = unixExpiry.ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry)));
        return "SharedAccessSignature sr=" + encodedResource
            + "&sig=" + Uri.EscapeDataString(signature)
            + "&se=" + expiry
            + "&skn=" + Uri.EscapeDataString(_keyName);
    }

    internal static string EntityResource(Uri uri)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var entity = segments.Length > 0 ? "/" + segments[0] : "";
        return uri.GetLeftPart(UriPartial.Authority) + entity;
    }
}
