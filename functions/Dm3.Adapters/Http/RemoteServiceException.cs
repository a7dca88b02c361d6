using System.Net;

namespace Dm3.Adapters.Http;

/// <summary>
/// A service answered with a status the adapter does not map to an outcome value (auth failures, bad requests,
/// exhausted retries, missing tables or queues). This is an operational failure, not an expected outcome.
/// The message never contains tokens or keys.
/// </summary>
public sealed class RemoteServiceException(string service, string operation, HttpStatusCode status, string? errorCode, string? detail, Exception? inner = null)
    : Exception($"{service} {operation} failed: HTTP {(int)status} {errorCode ?? ""} {Truncate(detail)}".TrimEnd(), inner)
{
    public string Service { get; } = service;
    public string Operation { get; } = operation;
    public HttpStatusCode Status { get; } = status;
    public string? ErrorCode { get; } = errorCode;

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "…";
}
