using System.Globalization;
using System.Text.Json;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Storage;

namespace Dm3.Bench.Runtime;

/// <summary>
/// Reads (PartitionKey, RowKey, Timestamp) of a table query straight from the REST API: the service's write time of each
/// row, which the program's adapter deliberately drops. Azurite runs on this machine, so its clock is ours.
/// </summary>
internal sealed class TableTimestamps(HttpClient http, StorageConnection connection)
{
    private readonly SharedKeyAuthorizer _authorizer = SharedKeyAuthorizer.ForTables(connection);

    public async Task<List<(string PartitionKey, string RowKey, DateTimeOffset Timestamp)>> QueryAsync(string table, string filter, CancellationToken cancellationToken)
    {
        var rows = new List<(string, string, DateTimeOffset)>();
        string? nextPartition = null, nextRow = null;
        do
        {
            var query = "$filter=" + Uri.EscapeDataString(filter) + "&$select=" + Uri.EscapeDataString("PartitionKey,RowKey,Timestamp");
            if (nextPartition is not null)
            {
                query += "&NextPartitionKey=" + Uri.EscapeDataString(nextPartition) + (nextRow is null ? "" : "&NextRowKey=" + Uri.EscapeDataString(nextRow));
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(connection.TableEndpoint.AbsoluteUri.TrimEnd('/') + "/" + table + "()?" + query));
            request.Headers.TryAddWithoutValidation("x-ms-version", "2019-02-02");
            request.Headers.TryAddWithoutValidation("Accept", "application/json;odata=nometadata");
            request.Headers.TryAddWithoutValidation("DataServiceVersion", "3.0;NetFx");
            request.Headers.TryAddWithoutValidation("MaxDataServiceVersion", "3.0;NetFx");
            await _authorizer.AuthorizeAsync(request, cancellationToken);
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"table query failed: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
            }

            using var doc = JsonDocument.Parse(body);
            foreach (var item in doc.RootElement.GetProperty("value").EnumerateArray())
            {
                rows.Add((item.GetProperty("PartitionKey").GetString()!, item.GetProperty("RowKey").GetString()!,
                    DateTimeOffset.Parse(item.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
            }

            nextPartition = response.Headers.TryGetValues("x-ms-continuation-NextPartitionKey", out var p) ? p.FirstOrDefault() : null;
            nextRow = response.Headers.TryGetValues("x-ms-continuation-NextRowKey", out var r) ? r.FirstOrDefault() : null;
        }
        while (nextPartition is not null);

        return rows;
    }
}
