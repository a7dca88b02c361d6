namespace Dm3.Protocol;

/// <summary>A precise, machine-readable description of why some input was rejected.</summary>
/// <param name="Code">Short machine code such as <c>json.duplicate_key</c>.</param>
/// <param name="Message">Human readable explanation (never contains secrets).</param>
public sealed record ProtocolError(string Code, string Message);

/// <summary>Thrown by the <c>Parse</c> convenience methods when input is malformed.</summary>
public sealed class ProtocolFormatException(ProtocolError error) : FormatException(error.Message)
{
    public ProtocolError Error { get; } = error;
}
