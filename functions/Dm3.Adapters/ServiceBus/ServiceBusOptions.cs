using System.Diagnostics.CodeAnalysis;
using Azure.Core;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Resilience;

namespace Dm3.Adapters.ServiceBus;

/// <summary>
/// The namespace endpoint (<c>https://{ns}.servicebus.windows.net</c>) and how to authorize
/// (bearer with scope https://servicebus.azure.net/.default, or SAS from a connection string).
/// </summary>
public sealed record ServiceBusOptions(Uri NamespaceEndpoint, IRequestAuthorizer Authorizer)
{
    public ResilienceOptions Resilience { get; init; } = ResilienceOptions.Default;

    /// <summary>Server-side timeout parameter sent with each send.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public static ServiceBusOptions WithCredential(Uri namespaceEndpoint, TokenCredential credential) =>
        new(namespaceEndpoint, new BearerTokenAuthorizer(credential, BearerTokenAuthorizer.ServiceBusScope));

    /// <summary>SAS auth from <c>Endpoint=sb://{ns}/;SharedAccessKeyName=…;SharedAccessKey=…</c>; throws <see cref="FormatException"/> on a bad string.</summary>
    public static ServiceBusOptions FromConnectionString(string connectionString, TimeSpan? tokenLifetime = null)
    {
        if (!TryParseConnectionString(connectionString, out var endpoint, out var keyName, out var key, out var error))
        {
            throw new FormatException(error);
        }
        return new ServiceBusOptions(endpoint, new ServiceBusSasAuthorizer(keyName, key, tokenLifetime));
    }

    /// <summary>Parses a SAS connection string; <c>sb://</c> becomes <c>https://</c>. Never throws.</summary>
    public static bool TryParseConnectionString(
        string? connectionString,
        [NotNullWhen(true)] out Uri? endpoint,
        [NotNullWhen(true)] out string? keyName,
        [NotNullWhen(true)] out string? key,
        [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        keyName = null;
        key = null;
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in (connectionString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = "A connection string segment is not of the form Name=Value.";
                return false;
            }
            parts[segment[..eq].Trim()] = segment[(eq + 1)..].Trim();
        }
        if (!parts.TryGetValue("Endpoint", out var endpointText) || !Uri.TryCreate(endpointText, UriKind.Absolute, out var raw)
            || raw.Scheme is not ("sb" or "https" or "http"))
        {
            error = "The connection string has no valid Endpoint (sb://{namespace}/).";
            return false;
        }
        if (!parts.TryGetValue("SharedAccessKeyName", out keyName) || keyName.Length == 0
            || !parts.TryGetValue("SharedAccessKey", out key) || key.Length == 0)
        {
            keyName = null;
            key = null;
            error = "The connection string needs SharedAccessKeyName and SharedAccessKey.";
            return false;
        }
        var scheme = raw.Scheme == "http" ? "http" : "https";
        endpoint = new Uri($"{scheme}://{raw.Authority}");
        error = null;
        return true;
    }
}
