namespace Dm3.App.Logging;

/// <summary>Source-generated log messages of the runtime. Never pass secrets, tokens or message payloads.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "dm3 runtime started in {Mode} mode with {FunctionCount} functions; transport {Transport}")]
    public static partial void Started(ILogger logger, string mode, int functionCount, string transport);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Read local settings from {Path}")]
    public static partial void LocalSettingsLoaded(ILogger logger, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Using generated development keys from {Path}; configure real keys outside development")]
    public static partial void DevKeysInUse(ILogger logger, string path);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Start-up: listening {ListeningMs} ms after Main ({ProcessMs} ms after process start): configuration {ConfigureMs} ms, services {BuildMs} ms, endpoints {MapMs} ms, server start {ServerMs} ms")]
    public static partial void StartupTiming(ILogger logger, long listeningMs, long processMs, long configureMs, long buildMs, long mapMs, long serverMs);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Warm-up done {WarmupMs} ms after listening: {EndpointCount} endpoints built")]
    public static partial void WarmupDone(ILogger logger, long warmupMs, int endpointCount);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Warm-up step {Step} failed: {Reason}")]
    public static partial void WarmupFailed(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Gateway signer key {KeyId} could not be read; gateway responses fail until it can: {Reason}")]
    public static partial void SignerReadFailed(ILogger logger, string keyId, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Storage ready: {TableCount} tables, {QueueCount} queues")]
    public static partial void StorageReady(ILogger logger, int tableCount, int queueCount);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Storage initialisation failed (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    public static partial void StorageInitFailed(ILogger logger, int attempt, long delayMs, string reason);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "{FunctionName} completed message {PipelineId} (attempt {DequeueCount}, invocation {InvocationId})")]
    public static partial void MessageCompleted(ILogger logger, string functionName, string pipelineId, long dequeueCount, string invocationId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "{FunctionName} skipped message {PipelineId}: already processed (invocation {InvocationId})")]
    public static partial void MessageDuplicate(ILogger logger, string functionName, string pipelineId, string invocationId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "{FunctionName} failed message {PipelineId} (attempt {DequeueCount}, queue message {MessageId}, invocation {InvocationId}): {Reason}")]
    public static partial void MessageFailed(ILogger logger, string functionName, string? pipelineId, long dequeueCount, string messageId, string invocationId, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Poison: queue message {MessageId} of {Queue} moved to {PoisonQueue} after {DequeueCount} attempts (function {FunctionName}, pipeline id {PipelineId}): {Reason}")]
    public static partial void MessagePoisoned(ILogger logger, string messageId, string queue, string poisonQueue, long dequeueCount, string functionName, string? pipelineId, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Released in-flight message {MessageId} of {Queue} on shutdown")]
    public static partial void MessageReleased(ILogger logger, string messageId, string queue);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Queue pump for {Queue} cannot reach the queue service; retrying in {DelayMs} ms: {Reason}")]
    public static partial void PumpReceiveFailed(ILogger logger, string queue, long delayMs, string reason);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Queue pump started for {FunctionName} on {Queue} (concurrency {Concurrency}, max dequeue count {MaxDequeueCount})")]
    public static partial void PumpStarted(ILogger logger, string functionName, string queue, int concurrency, int maxDequeueCount);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Queue pump could not settle message {MessageId} of {Queue}: {Reason}")]
    public static partial void PumpSettleFailed(ILogger logger, string messageId, string queue, string reason);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "Queue pump stopping: waiting up to {GraceMs} ms for {InFlight} in-flight messages")]
    public static partial void PumpStopping(ILogger logger, long graceMs, int inFlight);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Timer {FunctionName} scheduled '{Schedule}', next at {Next}")]
    public static partial void TimerScheduled(ILogger logger, string functionName, string schedule, DateTimeOffset? next);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Timer {FunctionName} ran for {ScheduledTime} (invocation {InvocationId})")]
    public static partial void TimerCompleted(ILogger logger, string functionName, DateTimeOffset scheduledTime, string invocationId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Timer {FunctionName} failed for {ScheduledTime} (invocation {InvocationId}): {Reason}")]
    public static partial void TimerFailed(ILogger logger, string functionName, DateTimeOffset scheduledTime, string invocationId, string reason);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Health check {Check} failed: {Reason}")]
    public static partial void HealthCheckFailed(ILogger logger, string check, string reason);
}
