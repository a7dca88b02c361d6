namespace Dm3.Backend.Runtime;

/// <summary>
/// Thrown by a queue handler when the message can never succeed, however often it is retried (wrong kind, a ref that
/// does not parse, a referenced row that can never be read): the runtime moves it to the poison queue on this attempt,
/// with <see cref="Exception.Message"/> as the recorded reason, instead of retrying it. The message must carry codes,
/// not names, addresses or payloads. Any other exception is treated as transient and retried.
/// </summary>
public sealed class MalformedMessageException : Exception
{
    public MalformedMessageException()
    {
    }

    public MalformedMessageException(string message)
        : base(message)
    {
    }

    public MalformedMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
