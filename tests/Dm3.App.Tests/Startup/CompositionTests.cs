using Dm3.App.Composition;
using Dm3.App.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Startup;

/// <summary>The composition root after the branches' merge: every service of ours is registered once, in both host models.</summary>
public sealed class CompositionTests
{
    [Theory]
    [InlineData(HostModel.Standalone)]
    [InlineData(HostModel.FunctionsWorker)]
    public void No_service_of_the_app_is_registered_twice(HostModel host)
    {
        var services = new ServiceCollection();
        services.AddDm3(Features.All, Path.GetTempPath(), host);

        var ours = services.Where(d => d.ServiceType.Assembly.GetName().Name?.StartsWith("Dm3.", StringComparison.Ordinal) == true && !d.ServiceType.IsInterface)
            .GroupBy(d => d.ServiceType)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.FullName} ×{g.Count()}")
            .ToList();

        Assert.Contains(services, d => d.ServiceType == typeof(Dm3.Backend.Lsp.RegisterLspHandler));
        Assert.Empty(ours);
    }
}
