using Dm3.App.Configuration;
using Dm3.App.Functions;

namespace Dm3.App.Composition;

/// <summary>
/// A slice of the app (Profiles, Delivery, Ccip, Links, Diagnostics…). To add one: implement this interface in the
/// feature folder and add ONE line to <see cref="Features.All"/>.
/// </summary>
public interface IAppFeature
{
    /// <summary>Functions, queues and tables of the feature. Pure: no configuration, no I/O (it also runs at publish time).</summary>
    void Describe(FunctionCatalog catalog);

    /// <summary>DI registrations. Read settings lazily in factories (<c>sp.GetRequiredService&lt;SettingsReader&gt;()</c>).</summary>
    void AddServices(IServiceCollection services);

    /// <summary>Validates the feature's settings at start-up; throw <see cref="SettingsException"/> (via <see cref="SettingsReader"/>).</summary>
    void ValidateSettings(SettingsReader settings, RuntimeSettings runtime)
    {
    }

    /// <summary>Maps the feature's public endpoints (each HTTP function's route must be served here).</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints, RuntimeSettings runtime);
}
