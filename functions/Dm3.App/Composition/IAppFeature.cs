using Dm3.App.Configuration;
using Dm3.App.Functions;

namespace Dm3.App.Composition;

/// <summary>
/// A slice of the app (Profiles, Delivery, Ccip, Links, Diagnostics…), run by both hosts. To add one: implement this
/// interface in the feature folder, add ONE line to <see cref="Features.All"/>, and give each HTTP route, queue and
/// timer a thin [Function] method in Dm3.Functions that uses the same constants (README, "Adding a feature").
/// </summary>
public interface IAppFeature
{
    /// <summary>Functions (name, method, route, CORS policy; queues; timers) and tables of the feature, from its constants. Pure: no configuration, no I/O.</summary>
    void Describe(FunctionCatalog catalog);

    /// <summary>DI registrations. Read settings lazily in factories (<c>sp.GetRequiredService&lt;SettingsReader&gt;()</c>).</summary>
    void AddServices(IServiceCollection services);

    /// <summary>Validates the feature's settings at start-up; throw <see cref="SettingsException"/> (via <see cref="SettingsReader"/>).</summary>
    void ValidateSettings(SettingsReader settings, RuntimeSettings runtime)
    {
    }

    /// <summary>
    /// Standalone host: maps each HTTP function's handler, named after the function (<c>.WithName(XFunction)</c>); the
    /// host checks route and method against <see cref="Describe"/> and attaches the CORS policy. No CORS code here.
    /// </summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime);
}
