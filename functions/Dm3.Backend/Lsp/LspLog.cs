using Microsoft.Extensions.Logging;

namespace Dm3.Backend.Lsp;

/// <summary>Log messages of the linked-profile API. Never owners, tokens, keys or escrow plaintext: reason codes and names only.</summary>
internal static partial class LspLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "LSP {Route}: proof rejected ({Reason})")]
    public static partial void ProofRejected(ILogger logger, string route, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "LSP registered: {LspName}")]
    public static partial void Registered(ILogger logger, string lspName);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "LSP registration of {LspName} undone after the name claim failed ({Reason})")]
    public static partial void RegistrationUndone(ILogger logger, string lspName, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "LSP deleted: {LspName}")]
    public static partial void Deleted(ILogger logger, string lspName);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Link record of {LspName} {Action}")]
    public static partial void LinkRecordChanged(ILogger logger, string lspName, string action);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "LSP sweep removed {Nonces} nonces, {Sessions} sessions, {Counters} counters, {Deleted} deleted index rows")]
    public static partial void Swept(ILogger logger, int nonces, int sessions, int counters, int deleted);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Escrow re-wrap: {Rewrapped} records moved to the current key version")]
    public static partial void Rewrapped(ILogger logger, int rewrapped);
}
