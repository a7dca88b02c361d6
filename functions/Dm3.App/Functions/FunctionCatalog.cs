using System.Text.RegularExpressions;
using Dm3.Backend.Runtime;

namespace Dm3.App.Functions;

public enum FunctionKind { Http, Queue, Timer }

/// <summary>One function of the app: a <c>[Function]</c> of the worker (Dm3.Functions) and an endpoint, queue loop or timer of the standalone host.</summary>
public abstract record FunctionDefinition(string Name, FunctionKind Kind)
{
    /// <summary>When set, the function exists only if this boolean setting is true (diagnostic functions).</summary>
    public string? EnabledBy { get; init; }
}

/// <summary>An HTTP function: one method on one route template (no leading slash), with its CORS policy (<see cref="Web.CorsPolicies"/>) if any.</summary>
public sealed record HttpFunction(string Name, string Method, string Route, string? Cors) : FunctionDefinition(Name, FunctionKind.Http);

/// <summary>A queue-triggered function on a Storage Queue named by an app setting (<c>[QueueTrigger("%Setting%")]</c>).</summary>
public sealed record QueueFunction(string Name, string QueueSetting, Type HandlerType) : FunctionDefinition(Name, FunctionKind.Queue)
{
    /// <summary>
    /// The handler is idempotent by construction (its own storage keys make a repeated message a no-op), so the
    /// runtime skips its processed-id record (<c>Processed</c> table: one read and one insert per message) on both
    /// paths, host invocation and standalone pump. Default false: the record is kept.
    /// </summary>
    public bool Idempotent { get; init; }
}

/// <summary>A timer-triggered function; NCRONTAB schedule from an app setting (<c>[TimerTrigger("%Setting%")]</c>).</summary>
public sealed record TimerFunction(string Name, string ScheduleSetting, string DefaultSchedule, Type HandlerType) : FunctionDefinition(Name, FunctionKind.Timer);

/// <summary>A queue the program writes to: its app setting (used as %Setting% in the queue trigger) and default name.</summary>
public sealed record QueueDeclaration(string Setting, string DefaultName);

/// <summary>
/// The one description of the app's functions, tables and queues, written with the same constants the worker's
/// <c>[Function]</c>/<c>[HttpTrigger]</c>/<c>[QueueTrigger]</c>/<c>[TimerTrigger]</c> attributes use. The standalone
/// host's route table is checked against it at start-up (<see cref="Web.WebComposition.MapDm3Features"/>), its queue
/// pump and timers run from it, the worker takes each function's CORS policy from it, and a test compares it with the
/// worker's published <c>functions.metadata</c>. Features add entries in <c>IAppFeature.Describe</c>, one line each:
/// <code>
/// catalog.Queue&lt;DeliverEnvelopeHandler&gt;(DeliverFunction, EnvelopesQueueSetting, defaultQueueName: "envelopes");
/// catalog.Timer&lt;SweeperHandler&gt;(SweeperFunction, SweeperScheduleSetting, "0 */15 * * * *");
/// catalog.Http(GetProfileFunction, Verb.Get, GetProfileRoute, CorsPolicies.AnyOrigin);
/// catalog.Table("Names");
/// </code>
/// </summary>
public sealed class FunctionCatalog
{
    private static readonly Regex FunctionNamePattern = new("^[A-Za-z][A-Za-z0-9_-]{0,126}$", RegexOptions.CultureInvariant);
    private static readonly Regex SettingPattern = new("^[A-Za-z][A-Za-z0-9_]{0,99}$", RegexOptions.CultureInvariant);
    private static readonly Regex TablePattern = new("^[A-Za-z][A-Za-z0-9]{2,40}$", RegexOptions.CultureInvariant);
    private static readonly string[] KnownMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    private readonly List<FunctionDefinition> _functions = [];
    private readonly Dictionary<string, QueueDeclaration> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly SortedDictionary<string, string?> _tables = new(StringComparer.Ordinal);

    public IReadOnlyList<FunctionDefinition> Functions => _functions;

    public IReadOnlyCollection<QueueDeclaration> Queues => _queues.Values;

    /// <summary>Logical table names (without the prefix) and their EnabledBy setting; created at start-up.</summary>
    public IReadOnlyDictionary<string, string?> Tables => _tables;

    /// <summary>
    /// An HTTP function: <paramref name="method"/> on <paramref name="route"/> (a route template without a leading slash, at
    /// the root: the worker's route prefix is empty), answered with CORS policy <paramref name="cors"/> (null: no CORS).
    /// <paramref name="enabledBy"/>: the function exists only when that boolean setting is true (standalone host only).
    /// </summary>
    public FunctionCatalog Http(string name, string method, string route, string? cors, string? enabledBy = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (route.StartsWith('/') || route.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || route.StartsWith("runtime", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Route '{route}' must not start with '/', 'admin' or 'runtime'.", nameof(route));
        }
        var upper = method.ToUpperInvariant();
        if (!KnownMethods.Contains(upper) || upper == Web.Verb.Options)
        {
            throw new ArgumentException($"Function '{name}' needs one HTTP method of {string.Join(",", KnownMethods)} (OPTIONS comes with a CORS policy).", nameof(method));
        }
        return Add(new HttpFunction(name, upper, route, cors) { EnabledBy = enabledBy });
    }

    /// <summary>Declares a queue the program writes to (and may consume).</summary>
    public FunctionCatalog DeclareQueue(string queueSetting, string defaultQueueName)
    {
        CheckSetting(queueSetting);
        if (_queues.TryGetValue(queueSetting, out var existing) && existing.DefaultName != defaultQueueName)
        {
            throw new ArgumentException($"Queue setting '{queueSetting}' is declared twice with different defaults.", nameof(queueSetting));
        }
        _queues[queueSetting] = new QueueDeclaration(queueSetting, defaultQueueName);
        return this;
    }

    /// <summary>
    /// A queue-triggered function; also declares the queue. <paramref name="idempotent"/>: the handler's effects are
    /// idempotent by construction, so the runtime does not keep a processed-id record for it (see <see cref="QueueFunction.Idempotent"/>).
    /// </summary>
    public FunctionCatalog Queue<THandler>(string name, string queueSetting, string defaultQueueName, string? enabledBy = null, bool idempotent = false)
        where THandler : class, IQueueHandler
    {
        DeclareQueue(queueSetting, defaultQueueName);
        return Add(new QueueFunction(name, queueSetting, typeof(THandler)) { EnabledBy = enabledBy, Idempotent = idempotent });
    }

    /// <summary>A timer-triggered function with a six-field NCRONTAB schedule read from <paramref name="scheduleSetting"/>.</summary>
    public FunctionCatalog Timer<THandler>(string name, string scheduleSetting, string defaultSchedule, string? enabledBy = null)
        where THandler : class, ITimerHandler
    {
        CheckSetting(scheduleSetting);
        if (!Runtime.CronSchedule.TryParse(defaultSchedule, out _, out var error))
        {
            throw new ArgumentException($"Default schedule of '{name}': {error}", nameof(defaultSchedule));
        }
        return Add(new TimerFunction(name, scheduleSetting, defaultSchedule, typeof(THandler)) { EnabledBy = enabledBy });
    }

    /// <summary>A table (logical name; the physical name gets Storage__TablePrefix) created at start-up.</summary>
    public FunctionCatalog Table(string logicalName, string? enabledBy = null)
    {
        if (!TablePattern.IsMatch(logicalName))
        {
            throw new ArgumentException($"Table name '{logicalName}' must be 3-41 letters or digits starting with a letter.", nameof(logicalName));
        }
        _tables[logicalName] = enabledBy;
        return this;
    }

    /// <summary>The functions that exist in this configuration (<paramref name="isEnabled"/> reads an EnabledBy setting).</summary>
    public IReadOnlyList<FunctionDefinition> Active(Func<string, bool> isEnabled) =>
        _functions.Where(f => f.EnabledBy is null || isEnabled(f.EnabledBy)).ToList();

    /// <summary>The function with this name (case-insensitive, as the Functions host treats names).</summary>
    public FunctionDefinition? Find(string name) =>
        _functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    private FunctionCatalog Add(FunctionDefinition function)
    {
        if (!FunctionNamePattern.IsMatch(function.Name))
        {
            throw new ArgumentException($"Function name '{function.Name}' must start with a letter and contain only letters, digits, '_' or '-'.");
        }
        if (Find(function.Name) is not null)
        {
            throw new ArgumentException($"Function '{function.Name}' is registered twice.");
        }
        if (function.EnabledBy is { } setting)
        {
            CheckSetting(setting);
        }
        _functions.Add(function);
        return this;
    }

    private static void CheckSetting(string setting)
    {
        if (!SettingPattern.IsMatch(setting))
        {
            throw new ArgumentException($"Setting name '{setting}' must be letters, digits and underscores.", nameof(setting));
        }
    }
}
