using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dm3.Adapters.Http;
using Dm3.Backend.Storage;

namespace Dm3.Adapters.Tables;

/// <summary>
/// Azure Table Storage over REST (x-ms-version 2019-02-02, JSON). Implements the backend's <see cref="ITableStore"/> port.
/// Expected outcomes (exists, not found, stale ETag) are values; everything else throws <see cref="RemoteServiceException"/>.
/// Invalid table names, keys or property values are caller bugs and throw <see cref="ArgumentException"/> before any I/O.
/// </summary>
public sealed class TableStorageClient : ITableStore
{
    internal const string ApiVersion = "2019-02-02";
    private const string MinimalMetadata = "application/json;odata=minimalmetadata";
    private const string Service = "Table Storage";

    private readonly AdapterHttp _http;
    private readonly string _baseUrl;

    public TableStorageClient(HttpClient httpClient, TableStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = new AdapterHttp(httpClient, options.Authorizer, options.Resilience);
        _baseUrl = options.Endpoint.AbsoluteUri.TrimEnd('/');
    }

    public async Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken)
    {
        ValidateTableName(table);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = table });
        using var response = await SendAsync(HttpMethod.Post, "/Tables", body, ifMatch: null, returnNoContent: true, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict && error.Code == "TableAlreadyExists")
        {
            return;
        }
        throw Fail("create table", response, error);
    }

    public async Task<TableWriteResult> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken)
    {
        ValidateTableName(table);
        ValidateKeys(entity.PartitionKey, entity.RowKey);
        var body = TableEntityJson.Serialize(entity);
        using var response = await SendAsync(HttpMethod.Post, "/" + table, body, ifMatch: null, returnNoContent: true, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return new TableWriteResult(TableWriteStatus.Ok, ETagOf(response));
        }
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict && error.Code != "TableBeingDeleted")
        {
            return new TableWriteResult(TableWriteStatus.Conflict, null);
        }
        throw Fail("insert", response, error);
    }

    public async Task<TableEntity?> GetAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        ValidateTableName(table);
        ValidateKeys(partitionKey, rowKey);
        using var response = await SendAsync(HttpMethod.Get, EntityPath(table, partitionKey, rowKey), null, null, false, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(bytes);
            return TableEntityJson.Read(doc.RootElement, ETagOf(response));
        }
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound && error.Code != "TableNotFound")
        {
            return null;
        }
        throw Fail("get", response, error);
    }

    public Task<TableWriteResult> UpsertAsync(string table, TableEntity entity, TableUpdateMode mode, CancellationToken cancellationToken) =>
        WriteAsync(table, entity, ifMatch: null, mode, "upsert", cancellationToken);

    public Task<TableWriteResult> UpdateAsync(string table, TableEntity entity, string etag, TableUpdateMode mode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(etag);
        return WriteAsync(table, entity, etag, mode, "update", cancellationToken);
    }

    private async Task<TableWriteResult> WriteAsync(string table, TableEntity entity, string? ifMatch, TableUpdateMode mode, string operation, CancellationToken cancellationToken)
    {
        ValidateTableName(table);
        ValidateKeys(entity.PartitionKey, entity.RowKey);
        var body = TableEntityJson.Serialize(entity);
        var method = mode == TableUpdateMode.Merge ? MergeMethod : HttpMethod.Put;
        using var response = await SendAsync(method, EntityPath(table, entity.PartitionKey, entity.RowKey), body, ifMatch, false, cancellationToken).ConfigureAwait(false);
        return await WriteOutcomeAsync(operation, response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TableWriteResult> DeleteAsync(string table, string partitionKey, string rowKey, string etag, CancellationToken cancellationToken)
    {
        ValidateTableName(table);
        ValidateKeys(partitionKey, rowKey);
        ArgumentException.ThrowIfNullOrEmpty(etag);
        using var response = await SendAsync(HttpMethod.Delete, EntityPath(table, partitionKey, rowKey), null, etag, false, cancellationToken).ConfigureAwait(false);
        return await WriteOutcomeAsync("delete", response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TablePage> QueryAsync(string table, TableQuery query, string? continuation, CancellationToken cancellationToken)
    {
        ValidateTableName(table);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Top is { } top && (top < 1 || top > 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(query), "Top must be within 1..1000.");
        }
        var parameters = new List<string>();
        if (!string.IsNullOrEmpty(query.Filter))
        {
            parameters.Add("$filter=" + Uri.EscapeDataString(query.Filter));
        }
        if (query.Select is { Count: > 0 } select)
        {
            // The keys are always needed to build a TableEntity; the service omits them unless selected.
            var columns = new List<string> { "PartitionKey", "RowKey" };
            columns.AddRange(select.Where(c => c is not ("PartitionKey" or "RowKey")));
            parameters.Add("$select=" + Uri.EscapeDataString(string.Join(',', columns)));
        }
        if (query.Top is { } t)
        {
            parameters.Add("$top=" + t.ToString(CultureInfo.InvariantCulture));
        }
        if (continuation is not null)
        {
            if (!TableContinuation.TryDecode(continuation, out var nextPk, out var nextRk))
            {
                throw new ArgumentException("The continuation token is not one this client produced.", nameof(continuation));
            }
            parameters.Add("NextPartitionKey=" + Uri.EscapeDataString(nextPk));
            if (nextRk is not null)
            {
                parameters.Add("NextRowKey=" + Uri.EscapeDataString(nextRk));
            }
        }
        var path = "/" + table + "()" + (parameters.Count > 0 ? "?" + string.Join('&', parameters) : "");
        using var response = await SendAsync(HttpMethod.Get, path, null, null, false, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Fail("query", response, await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false));
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(bytes);
        var items = new List<TableEntity>();
        if (doc.RootElement.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in value.EnumerateArray())
            {
                items.Add(TableEntityJson.Read(element, null));
            }
        }
        var npk = FirstHeader(response, "x-ms-continuation-NextPartitionKey");
        var nrk = FirstHeader(response, "x-ms-continuation-NextRowKey");
        return new TablePage(items, npk is null ? null : TableContinuation.Encode(npk, nrk));
    }

    /// <summary>True when <paramref name="continuation"/> is a well-formed token of this client (for validating client cursors).</summary>
    public static bool IsValidContinuation(string? continuation) => TableContinuation.TryDecode(continuation, out _, out _);

    private static readonly HttpMethod MergeMethod = new("MERGE");

    private async Task<TableWriteResult> WriteOutcomeAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return new TableWriteResult(TableWriteStatus.Ok, ETagOf(response));
        }
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.PreconditionFailed => new TableWriteResult(TableWriteStatus.PreconditionFailed, null),
            HttpStatusCode.NotFound when error.Code != "TableNotFound" => new TableWriteResult(TableWriteStatus.NotFound, null),
            _ => throw Fail(operation, response, error),
        };
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, byte[]? body, string? ifMatch, bool returnNoContent, CancellationToken cancellationToken)
    {
        var url = new Uri(_baseUrl + pathAndQuery);
        return _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(method, url);
            request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
            request.Headers.TryAddWithoutValidation("DataServiceVersion", "3.0;NetFx");
            request.Headers.TryAddWithoutValidation("MaxDataServiceVersion", "3.0;NetFx");
            request.Headers.TryAddWithoutValidation("Accept", MinimalMetadata);
            if (returnNoContent)
            {
                request.Headers.TryAddWithoutValidation("Prefer", "return-no-content");
            }
            if (ifMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            }
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
            return request;
        }, cancellationToken);
    }

    private static string EntityPath(string table, string partitionKey, string rowKey) =>
        "/" + table + "(PartitionKey='" + EscapeKey(partitionKey) + "',RowKey='" + EscapeKey(rowKey) + "')";

    private static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    private static string? ETagOf(HttpResponseMessage response) =>
        response.Headers.ETag?.ToString() ?? FirstHeader(response, "ETag");

    private static string? FirstHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.TryGetProperty("odata.error", out var error))
                {
                    var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                    string? message = null;
                    if (error.TryGetProperty("message", out var m))
                    {
                        message = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.ToString();
                    }
                    return (code, message);
                }
            }
            catch (JsonException)
            {
                // Not JSON: fall through to the header.
            }
        }
        return (FirstHeader(response, "x-ms-error-code"), text.Length > 0 ? text : response.ReasonPhrase);
    }

    private static RemoteServiceException Fail(string operation, HttpResponseMessage response, (string? Code, string? Message) error) =>
        new(Service, operation, response.StatusCode, error.Code, error.Message);

    /// <summary>Table names: 3–63 alphanumerics starting with a letter (caller bug otherwise).</summary>
    internal static void ValidateTableName(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Length is < 3 or > 63 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit)
            || string.Equals(table, "tables", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{table}' is not a valid table name (3-63 ASCII letters/digits, starting with a letter).", nameof(table));
        }
    }

    /// <summary>Keys: at most 1 KiB (UTF-16), no / \ # ? and no control characters (caller bug otherwise).</summary>
    internal static void ValidateKeys(string partitionKey, string rowKey)
    {
        ValidateKey(partitionKey, nameof(partitionKey));
        ValidateKey(rowKey, nameof(rowKey));
    }

    private static void ValidateKey(string key, string parameter)
    {
        ArgumentNullException.ThrowIfNull(key, parameter);
        if (key.Length > 512)
        {
            throw new ArgumentException("A table key is longer than 1 KiB.", parameter);
        }
        foreach (var c in key)
        {
            if (c is '/' or '\\' or '#' or '?' || c <= '\u001F' || (c >= '\u007F' && c <= '\u009F'))
            {
                throw new ArgumentException($"A table key contains the forbidden character U+{(int)c:X4}.", parameter);
            }
        }
    }
}

/// <summary>NextPartitionKey / NextRowKey packed into one opaque base64url string.</summary>
internal static class TableContinuation
{
    private const string Prefix = "t1.";

    public static string Encode(string nextPartitionKey, string? nextRowKey)
    {
        var payload = Encoding.UTF8.GetBytes(nextPartitionKey + "\n" + (nextRowKey is null ? "" : "\n" + nextRowKey));
        return Prefix + Convert.ToBase64String(payload).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string? token, out string nextPartitionKey, out string? nextRowKey)
    {
        nextPartitionKey = "";
        nextRowKey = null;
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 4096)
        {
            return false;
        }
        var b64 = token[Prefix.Length..].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
        var bytes = new byte[b64.Length];
        if (!Convert.TryFromBase64String(b64, bytes, out var written))
        {
            return false;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        var first = text.IndexOf('\n', StringComparison.Ordinal);
        if (first <= 0)
        {
            return false;
        }
        nextPartitionKey = text[..first];
        var rest = text[(first + 1)..];
        if (rest.Length == 0)
        {
            return true;
        }
        if (rest[0] != '\n')
        {
            return false;
        }
        nextRowKey = rest[1..];
        return true;
    }
}
