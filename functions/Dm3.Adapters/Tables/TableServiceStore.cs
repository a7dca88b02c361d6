using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Dm3.Adapters.Http;
using Dm3.Adapters.Sdk;
using Dm3.Backend.Storage;
using Entity = Dm3.Backend.Storage.TableEntity;
using SdkEntity = Azure.Data.Tables.TableEntity;
using SdkUpdateMode = Azure.Data.Tables.TableUpdateMode;

namespace Dm3.Adapters.Tables;

/// <summary>
/// <see cref="ITableStore"/> on the Azure.Data.Tables SDK (one <see cref="TableServiceClient"/>, a cached
/// <see cref="TableClient"/> per table). Expected outcomes (exists, not found, stale ETag) are values; a missing table,
/// auth failures and exhausted retries throw <see cref="RemoteServiceException"/>. Invalid table names, keys or
/// property values are caller bugs and throw <see cref="ArgumentException"/> before any I/O.
/// </summary>
public sealed class TableServiceStore(TableServiceClient service) : ITableStore
{
    private const string Service = "Table Storage";
    private const string TableNotFound = "TableNotFound";

    private readonly ConcurrentDictionary<string, TableClient> _tables = new(StringComparer.Ordinal);

    /// <summary>The service version used with Azurite 3.35.0 and Azure (the SDK's newest).</summary>
    public static TableClientOptions.ServiceVersion Version => TableClientOptions.ServiceVersion.V2020_12_06;

    /// <summary>Client options with <paramref name="retry"/> applied.</summary>
    public static TableClientOptions CreateOptions(AdapterRetry? retry = null) =>
        (retry ?? AdapterRetry.Default).ApplyTo(new TableClientOptions(Version));

    public async Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken)
    {
        var client = Table(table);
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "create table", ex);
        }
    }

    public async Task<TableWriteResult> InsertAsync(string table, Entity entity, CancellationToken cancellationToken)
    {
        var client = Table(table);
        var sdk = ToSdk(entity);
        try
        {
            var response = await client.AddEntityAsync(sdk, cancellationToken).ConfigureAwait(false);
            return Ok(response);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode != "TableBeingDeleted")
        {
            return new TableWriteResult(TableWriteStatus.Conflict, null);
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "insert", ex);
        }
    }

    public async Task<Entity?> GetAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var client = Table(table);
        TableKeys.ValidateKeys(partitionKey, rowKey);
        NullableResponse<SdkEntity> response;
        try
        {
            response = await client.GetEntityIfExistsAsync<SdkEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "get", ex);
        }
        if (response.HasValue)
        {
            return FromSdk(response.Value!);
        }
        var raw = response.GetRawResponse();
        if (ErrorCode(raw) == TableNotFound)
        {
            throw new RemoteServiceException(Service, "get", (System.Net.HttpStatusCode)raw.Status, TableNotFound, "The table does not exist.");
        }
        return null;
    }

    public async Task<TableWriteResult> UpsertAsync(string table, Entity entity, Backend.Storage.TableUpdateMode mode, CancellationToken cancellationToken)
    {
        var client = Table(table);
        var sdk = ToSdk(entity);
        try
        {
            return Ok(await client.UpsertEntityAsync(sdk, Mode(mode), cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "upsert", ex);
        }
    }

    public async Task<TableWriteResult> UpdateAsync(string table, Entity entity, string etag, Backend.Storage.TableUpdateMode mode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(etag);
        var client = Table(table);
        var sdk = ToSdk(entity);
        try
        {
            return Ok(await client.UpdateEntityAsync(sdk, new ETag(etag), Mode(mode), cancellationToken).ConfigureAwait(false));
        }
        catch (RequestFailedException ex) when (Outcome(ex) is { } outcome)
        {
            return outcome;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "update", ex);
        }
    }

    public async Task<TableWriteResult> DeleteAsync(string table, string partitionKey, string rowKey, string etag, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(etag);
        var client = Table(table);
        TableKeys.ValidateKeys(partitionKey, rowKey);
        Response response;
        try
        {
            response = await client.DeleteEntityAsync(partitionKey, rowKey, new ETag(etag), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (Outcome(ex) is { } outcome)
        {
            return outcome;
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "delete", ex);
        }
        // The SDK does not throw for a 404 on delete: tell an absent entity from an absent table.
        if (response.Status == 404)
        {
            return ErrorCode(response) == TableNotFound
                ? throw new RemoteServiceException(Service, "delete", System.Net.HttpStatusCode.NotFound, TableNotFound, "The table does not exist.")
                : new TableWriteResult(TableWriteStatus.NotFound, null);
        }
        return new TableWriteResult(TableWriteStatus.Ok, null);
    }

    public async Task<TablePage> QueryAsync(string table, TableQuery query, string? continuation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var client = Table(table);
        if (query.Top is { } top && (top < 1 || top > 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(query), "Top must be within 1..1000.");
        }
        string? sdkToken = null;
        if (continuation is not null)
        {
            if (!TableContinuation.TryDecode(continuation, out var decoded))
            {
                throw new ArgumentException("The continuation token was not issued by this store.", nameof(continuation));
            }
            sdkToken = decoded;
        }
        var filter = string.IsNullOrEmpty(query.Filter) ? null : query.Filter;
        // The keys are always needed to build a TableEntity; the service omits them unless selected.
        IEnumerable<string>? select = query.Select is { Count: > 0 } columns
            ? ["PartitionKey", "RowKey", .. columns.Where(c => c is not ("PartitionKey" or "RowKey"))]
            : null;
        try
        {
            await foreach (var page in client.QueryAsync<SdkEntity>(filter, query.Top, select, cancellationToken)
                .AsPages(sdkToken, query.Top).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var items = new List<Entity>(page.Values.Count);
                foreach (var value in page.Values)
                {
                    items.Add(FromSdk(value));
                }
                return new TablePage(items, page.ContinuationToken is { Length: > 0 } next ? TableContinuation.Encode(next) : null);
            }
        }
        catch (Exception ex) when (SdkErrors.IsFailure(ex))
        {
            throw SdkErrors.Wrap(Service, "query", ex);
        }
        return new TablePage([], null);
    }

    /// <summary>True when <paramref name="continuation"/> is a well-formed token of this store (for validating client cursors).</summary>
    public static bool IsValidContinuation(string? continuation) => TableContinuation.TryDecode(continuation, out _);

    private TableClient Table(string table)
    {
        if (_tables.TryGetValue(table, out var client))
        {
            return client;
        }
        TableKeys.ValidateTableName(table);
        return _tables.GetOrAdd(table, service.GetTableClient);
    }

    private static SdkUpdateMode Mode(Backend.Storage.TableUpdateMode mode) =>
        mode == Backend.Storage.TableUpdateMode.Merge ? SdkUpdateMode.Merge : SdkUpdateMode.Replace;

    private static TableWriteResult Ok(Response response) =>
        new(TableWriteStatus.Ok, response.Headers.ETag is { } etag ? etag.ToString() : null);

    private static TableWriteResult? Outcome(RequestFailedException ex) => ex.Status switch
    {
        412 => new TableWriteResult(TableWriteStatus.PreconditionFailed, null),
        404 when ex.ErrorCode != TableNotFound => new TableWriteResult(TableWriteStatus.NotFound, null),
        _ => null,
    };

    private static string? ErrorCode(Response response)
    {
        if (response.Headers.TryGetValue("x-ms-error-code", out var header) && header.Length > 0)
        {
            return header;
        }
        try
        {
            var content = response.Content;
            if (content.ToMemory().Length == 0)
            {
                return null;
            }
            using var doc = JsonDocument.Parse(content.ToMemory());
            return doc.RootElement.TryGetProperty("odata.error", out var error) && error.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Port entity → SDK entity. Property values: string, int, long, double, bool, byte[], DateTimeOffset, Guid (nulls are omitted).</summary>
    internal static SdkEntity ToSdk(Entity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        TableKeys.ValidateKeys(entity.PartitionKey, entity.RowKey);
        var sdk = new SdkEntity(entity.PartitionKey, entity.RowKey);
        foreach (var (name, value) in entity.Properties)
        {
            if (value is null)
            {
                continue;
            }
            TableKeys.ValidatePropertyName(name);
            sdk[name] = value switch
            {
                string or int or long or double or bool or byte[] or Guid => value,
                DateTimeOffset at => at.ToUniversalTime(),
                DateTime dt => new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt).ToUniversalTime(),
                ReadOnlyMemory<byte> memory => memory.ToArray(),
                _ => throw new ArgumentException($"Property '{name}' has unsupported type {value.GetType().Name}."),
            };
        }
        return sdk;
    }

    /// <summary>SDK entity → port entity: system properties dropped, binary as byte[], dates as UTC DateTimeOffset.</summary>
    internal static Entity FromSdk(SdkEntity sdk)
    {
        var properties = new Dictionary<string, object?>(sdk.Count, StringComparer.Ordinal);
        foreach (var (name, value) in sdk)
        {
            if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")
            {
                continue;
            }
            properties[name] = value switch
            {
                BinaryData data => data.ToArray(),
                DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                DateTimeOffset at => at.ToUniversalTime(),
                _ => value,
            };
        }
        var etag = sdk.ETag;
        return new Entity(sdk.PartitionKey, sdk.RowKey, properties, etag == default ? null : etag.ToString());
    }
}
