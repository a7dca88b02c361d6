using Dm3.App.Composition;
using Dm3.App.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.Infra.Tests.CrossChecks;

/// <summary>What one start of the program read, and the setting errors its services reported on first use.</summary>
internal sealed record ProgramRead(IReadOnlySet<string> Names, IReadOnlyList<SettingsException> ServiceErrors);

/// <summary>
/// Runs the program's own settings code over a set of app settings, the way both hosts do: the composition root
/// (<c>AddDm3(Features.All, …, host)</c>) and <see cref="StartupValidation"/> (runtime settings, keys, every feature's
/// <c>ValidateSettings</c>); then it resolves every registered service, because features read some settings lazily in
/// their factories (apps, gateway options, the delivery-service profile, the Key Vault clients). Start-up errors
/// throw; a service that needs a setting that is absent reports its <see cref="SettingsException"/> in the result.
/// </summary>
internal static class ProgramSettings
{
    public static ProgramRead Read(IReadOnlyDictionary<string, string?> appSettings, Func<Type, bool>? skipService = null, HostModel host = HostModel.Standalone)
    {
        var contentRoot = Directory.CreateTempSubdirectory("dm3-crosscheck-");
        try
        {
            var source = new RecordingConfigurationSource(appSettings);
            var configuration = new ConfigurationBuilder().Add(source).Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            services.AddDm3(Features.All, contentRoot.FullName, host);

            var errors = new List<SettingsException>();
            using (var provider = services.BuildServiceProvider())
            {
                StartupValidation.Validate(provider);

                using var scope = provider.CreateScope();
                var types = services.Select(d => d.ServiceType)
                    .Where(t => !t.IsGenericTypeDefinition && !(skipService?.Invoke(t) ?? false))
                    .Distinct();
                foreach (var type in types)
                {
                    try
                    {
                        _ = scope.ServiceProvider.GetServices(type).ToList();
                    }
                    catch (SettingsException ex)
                    {
                        errors.Add(ex);
                    }
                }
            }
            return new ProgramRead(SettingNames.Leaves(source.Provider.Requested), errors);
        }
        finally
        {
            contentRoot.Delete(recursive: true);
        }
    }
}
