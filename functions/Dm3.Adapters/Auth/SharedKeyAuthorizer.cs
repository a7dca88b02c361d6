using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Dm3.Adapters.Storage;

namespace Dm3.Adapters.Auth;

/// <summary>Which Shared Key string-to-sign a storage service expects.</summary>
public enum SharedKeyScheme
{
    /// <summary>Table service SharedKey: VERB, Content-MD5, Content-Type, Date, CanonicalizedResource (+ ?comp).</summary>
    Table,

    /// <summary>Table service SharedKeyLite: Date, CanonicalizedResource (+ ?comp).</summary>
    TableLite,

    /// <summary>Blob/Queue/File SharedKey (version 2009-09-19+): full header list, x-ms- headers, all query parameters.</summary>
    BlobQueue,
}

/// <summary>
/// Authorizes Azure Storage requests with the account key (the "authorize with Shared Key" REST rules).
/// The request must already carry <c>x-ms-date</c>; this class adds it when missing.
/// </summary>
public sealed class SharedKeyAuthorizer : IRequestAuthorizer
{
    private readonly string _accountName;
    private readonly byte[] _key;
    private readonly SharedKeyScheme _scheme;

    public SharedKeyAuthorizer(string accountName, byte[] accountKey, SharedKeyScheme scheme)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentNullException.ThrowIfNull(accountKey);
        if (accountKey.Length == 0)
        {
            throw new ArgumentException("The account key is empty.", nameof(accountKey));
        }
        _accountName = accountName;
        _key = accountKey.ToArray();
        _scheme = scheme;
    }

    public static SharedKeyAuthorizer ForTables(StorageConnection connection, bool lite = false) =>
        new(connection.AccountName, connection.AccountKey, lite ? SharedKeyScheme.TableLite : SharedKeyScheme.Table);

    public static SharedKeyAuthorizer ForQueues(StorageConnection connection) =>
        new(connection.AccountName, connection.AccountKey, SharedKeyScheme.BlobQueue);

    public ValueTask AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains("x-ms-date"))
        {
            request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        }
        var stringToSign = BuildStringToSign(request);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
        var scheme = _scheme == SharedKeyScheme.TableLite ? "SharedKeyLite" : "SharedKey";
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, _accountName + ":" + signature);
        return ValueTask.CompletedTask;
    }

    internal string BuildStringToSign(HttpRequestMessage request)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var date = Header(request, "x-ms-date");
        return _scheme switch
        {
            SharedKeyScheme.Table => string.Join('\n',
                request.Method.Method,
                ContentHeader(request, "Content-MD5"),
                ContentHeader(request, "Content-Type"),
                date,
                TableCanonicalResource(uri)),
            SharedKeyScheme.TableLite => date + "\n" + TableCanonicalResource(uri),
            _ => BlobQueueStringToSign(request, uri),
        };
    }

    private string TableCanonicalResource(Uri uri)
    {
        var resource = "/" + _accountName + uri.AbsolutePath;
        foreach (var (name, value) in QueryParameters(uri))
        {
            if (string.Equals(name, "comp", StringComparison.OrdinalIgnoreCase))
            {
                return resource + "?comp=" + value;
            }
        }
        return resource;
    }

    private string BlobQueueStringToSign(HttpRequestMessage request, Uri uri)
    {
        var contentLength = request.Content?.Headers.ContentLength;
        var sb = new StringBuilder();
        sb.Append(request.Method.Method).Append('\n');
        sb.Append(ContentHeader(request, "Content-Encoding")).Append('\n');
        sb.Append(ContentHeader(request, "Content-Language")).Append('\n');
        sb.Append(contentLength is null or 0 ? "" : contentLength.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(ContentHeader(request, "Content-MD5")).Append('\n');
        sb.Append(ContentHeader(request, "Content-Type")).Append('\n');
        sb.Append(/* Date: empty because x-ms-date is sent */ "").Append('\n');
        sb.Append(Header(request, "If-Modified-Since")).Append('\n');
        sb.Append(Header(request, "If-Match")).Append('\n');
        sb.Append(Header(request, "If-None-Match")).Append('\n');
        sb.Append(Header(request, "If-Unmodified-Since")).Append('\n');
        sb.Append(Header(request, "Range")).Append('\n');

        var msHeaders = request.Headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(',', h.Value.Select(FoldWhitespace))))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in msHeaders)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        sb.Append('/').Append(_accountName).Append(uri.AbsolutePath);
        var grouped = QueryParameters(uri)
            .GroupBy(p => p.Name.ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in grouped)
        {
            sb.Append('\n').Append(group.Key).Append(':')
              .Append(string.Join(',', group.Select(p => p.Value).OrderBy(v => v, StringComparer.Ordinal)));
        }
        return sb.ToString();
    }

    private static IEnumerable<(string Name, string Value)> QueryParameters(Uri uri)
    {
        var query = uri.Query;
        if (query.Length <= 1)
        {
            yield break;
        }
        foreach (var pair in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? "" : pair[(eq + 1)..];
            yield return (Uri.UnescapeDataString(name.Replace('+', ' ')), Uri.UnescapeDataString(value.Replace('+', ' ')));
        }
    }

    private static string Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : ContentHeader(request, name);

    private static string ContentHeader(HttpRequestMessage request, string name) =>
        request.Content is not null && request.Content.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : "";

    private static string FoldWhitespace(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }
        var sb = new StringBuilder(trimmed.Length);
        var previousSpace = false;
        foreach (var c in trimmed)
        {
            if (c == ' ')
            {
                if (!previousSpace)
                {
                    sb.Append(c);
                }
                previousSpace = true;
            }
            else
            {
                sb.Append(c);
                previousSpace = false;
            }
        }
        return sb.ToString();
    }
}
