using System.Diagnostics.CodeAnalysis;

namespace Dm3.Adapters.Storage;

/// <summary>
/// A parsed Azure Storage connection string: account name, account key and the table / queue endpoints.
/// <c>UseDevelopmentStorage=true</c> maps to Azurite's well-known account on 127.0.0.1 (path-style URLs).
/// </summary>
public sealed record StorageConnection(string AccountName, byte[] AccountKey, Uri TableEndpoint, Uri QueueEndpoint)
{
    /// <summary>Azurite's well-known account name.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known (public) account key.</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Parses a connection string. Never throws on bad input.</summary>
    public static bool TryParse(string? connectionString, [NotNullWhen(true)] out StorageConnection? connection, [NotNullWhen(false)] out string? error)
    {
        connection = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "The storage connection string is empty.";
            return false;
        }

        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = "A connection string segment is not of the form Name=Value.";
                return false;
            }
            parts[segment[..eq].Trim()] = segment[(eq + 1)..].Trim();
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && string.Equals(dev, "true", StringComparison.OrdinalIgnoreCase))
        {
            var host = "http://127.0.0.1";
            if (parts.TryGetValue("DevelopmentStorageProxyUri", out var proxy))
            {
                if (!Uri.TryCreate(proxy, UriKind.Absolute, out var proxyUri))
                {
                    error = "DevelopmentStorageProxyUri is not an absolute URI.";
                    return false;
                }
                host = proxyUri.GetLeftPart(UriPartial.Scheme) + proxyUri.Host;
            }
            connection = new StorageConnection(
                DevelopmentAccountName,
                Convert.FromBase64String(DevelopmentAccountKey),
                new Uri($"{host}:10002/{DevelopmentAccountName}"),
                new Uri($"{host}:10001/{DevelopmentAccountName}"));
            error = null;
            return true;
        }

        if (!parts.TryGetValue("AccountName", out var account) || account.Length == 0)
        {
            error = "The connection string has no AccountName.";
            return false;
        }
        if (!parts.TryGetValue("AccountKey", out var keyText) || keyText.Length == 0)
        {
            error = "The connection string has no AccountKey (SAS connection strings are not supported).";
            return false;
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(keyText);
        }
        catch (FormatException)
        {
            error = "The AccountKey is not valid base64.";
            return false;
        }

        var protocol = parts.TryGetValue("DefaultEndpointsProtocol", out var p) ? p.ToLowerInvariant() : "https";
        if (protocol is not ("http" or "https"))
        {
            error = "DefaultEndpointsProtocol must be http or https.";
            return false;
        }
        var suffix = parts.TryGetValue("EndpointSuffix", out var s) && s.Length > 0 ? s : "core.windows.net";

        if (!TryEndpoint(parts, "TableEndpoint", $"{protocol}://{account}.table.{suffix}", out var table, out error)
            || !TryEndpoint(parts, "QueueEndpoint", $"{protocol}://{account}.queue.{suffix}", out var queue, out error))
        {
            return false;
        }

        connection = new StorageConnection(account, key, table, queue);
        return true;
    }

    /// <summary>Parses a connection string; throws <see cref="FormatException"/> with the reason (configuration error).</summary>
    public static StorageConnection Parse(string connectionString) =>
        TryParse(connectionString, out var connection, out var error) ? connection : throw new FormatException(error);

    private static bool TryEndpoint(Dictionary<string, string> parts, string name, string fallback, [NotNullWhen(true)] out Uri? endpoint, [NotNullWhen(false)] out string? error)
    {
        var text = parts.TryGetValue(name, out var explicitValue) && explicitValue.Length > 0 ? explicitValue : fallback;
        if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            endpoint = null;
            error = $"{name} is not an absolute http(s) URI.";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Never print the key.</summary>
    public override string ToString() => $"StorageConnection {{ AccountName = {AccountName}, TableEndpoint = {TableEndpoint}, QueueEndpoint = {QueueEndpoint} }}";
}
