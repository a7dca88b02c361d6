namespace Dm3.Backend.Runtime;

/// <summary>
/// Port: the record of completed (function, message id) pairs that makes queue handlers run once per id.
/// </summary>
public interface IProcessedMessages
{
    Task<bool> IsCompletedAsync(string functionName, string messageId, CancellationToken cancellationToken);

    /// <summary>Records completion. Recording an id twice is not an error.</summary>
    Task MarkCompletedAsync(string functionName, string messageId, CancellationToken cancellationToken);
}
