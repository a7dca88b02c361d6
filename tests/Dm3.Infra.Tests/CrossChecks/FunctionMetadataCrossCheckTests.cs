using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dm3.App.Composition;
using Dm3.App.Configuration;
using Dm3.App.Functions;
using Dm3.Backend.Runtime;
using Dm3.Infra.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Dm3.Infra.Tests.CrossChecks;

/// <summary>
/// The worker's published functions.metadata (<c>./dev publish</c>) and host.json against the resources and app settings
/// of the Bicep.
/// </summary>
public sealed partial class FunctionMetadataCrossCheckTests
{
    private static readonly IReadOnlyList<AppSetting> s_bicep = BicepAppSettings.Load();

    private static List<(string Function, string Text, JsonObject Trigger)> Package() =>
        Publish.WorkerPackage.Functions().Select(f =>
        {
            var trigger = JsonNode.Parse(Publish.WorkerPackage.Trigger(f).GetRawText())!.AsObject();
            return (f.GetProperty("name").GetString()!, trigger.ToJsonString(), trigger);
        }).ToList();

    private static string SettingOf(string percentReference)
    {
        var m = PercentSetting().Match(percentReference);
        Assert.True(m.Success && m.Value == percentReference, $"'{percentReference}' is not a %Setting% reference");
        return m.Groups[1].Value;
    }

    [Fact]
    public void Every_percent_setting_of_the_function_metadata_is_a_bicep_app_setting()
    {
        // The host refuses to index a function whose %Setting% is not an app setting.
        var referenced = Package().SelectMany(f => PercentSetting().Matches(f.Text).Select(m => m.Groups[1].Value)).Distinct().ToList();
        Assert.NotEmpty(referenced);
        var missing = referenced.Where(r => s_bicep.All(s => s.Name != r)).ToList();
        Assert.True(missing.Count == 0, "functions.metadata references app settings the Bicep does not write: " + string.Join(", ", missing));
        // ...and never one the Bicep writes only conditionally (it could be absent).
        Assert.All(referenced, r => Assert.False(s_bicep.Single(s => s.Name == r).IsConditional, r));
    }

    [Fact]
    public void Storage_queue_triggers_listen_on_queues_the_bicep_creates_with_their_poison_queues()
    {
        var storage = Repository.LoadModule("storage.bicep");
        // The storage module creates every queue it is given and its '<queue>-poison' twin.
        var allQueueNames = storage.Variable("allQueueNames").Text;
        Assert.Contains("map(queueNames, q => [", allQueueNames, StringComparison.Ordinal);
        Assert.Contains("'${q}-poison'", allQueueNames, StringComparison.Ordinal);
        Assert.Contains("for queueName in allQueueNames", Assert.Single(storage.ResourcesOfType("Microsoft.Storage/storageAccounts/queueServices/queues")).Body, StringComparison.Ordinal);
        var given = BicepValues.ModuleListParam("modules/storage.bicep", "queueNames");
        var created = given.Concat(given.Select(q => q + "-poison")).ToHashSet(StringComparer.Ordinal);

        var triggers = Package().Where(f => (string?)f.Trigger["type"] == "queueTrigger").ToList();
        Assert.NotEmpty(triggers);
        foreach (var (function, _, trigger) in triggers)
        {
            var queue = BicepValues.AppSetting(SettingOf((string)trigger["queueName"]!));
            Assert.True(created.Contains(queue), $"{function} listens on storage queue '{queue}', which the Bicep does not create.");
            // The host moves a message to this queue after maxDequeueCount; the program reads it under the same name.
            Assert.True(created.Contains(StorageNames.PoisonQueueOf(queue)), $"poison queue of '{queue}' is not created.");
            AssertIdentityConnection((string)trigger["connection"]!, "queueServiceUri");
        }
    }

    [Fact]
    public void Every_queue_the_program_declares_for_azure_is_created()
    {
        // The catalog's queues that the worker uses (its triggers), resolved through the Bicep settings.
        var catalog = Features.BuildCatalog();
        var used = catalog.Active(_ => false).OfType<QueueFunction>().Select(q => q.QueueSetting).Distinct().ToList();
        Assert.NotEmpty(used);
        var storage = BicepValues.ModuleListParam("modules/storage.bicep", "queueNames");
        foreach (var setting in used)
        {
            var declared = Assert.Single(catalog.Queues, q => q.Setting == setting);
            var deployed = BicepValues.AppSetting(setting);
            Assert.Equal(declared.DefaultName, deployed);
            Assert.Contains(deployed, storage);
        }
    }

    [Fact]
    public void Timer_schedules_in_the_bicep_are_the_catalog_defaults()
    {
        var timers = Features.BuildCatalog().Active(_ => false).OfType<TimerFunction>().ToList();
        Assert.NotEmpty(timers);
        foreach (var timer in timers)
        {
            Assert.True(s_bicep.Any(s => s.Name == timer.ScheduleSetting), $"{timer.Name}: the Bicep does not write {timer.ScheduleSetting}.");
            Assert.Equal(timer.DefaultSchedule, BicepValues.AppSetting(timer.ScheduleSetting));
        }
    }

    [Fact]
    public void Host_json_max_dequeue_count_equals_the_standalone_pump_default()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "host.json")));
        var maxDequeueCount = host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32();
        Assert.Equal("base64", host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("messageEncoding").GetString());

        // The standalone pump gives up after the same number of attempts by default.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:ConnectionString"] = "UseDevelopmentStorage=true" }).Build();
        var runtime = RuntimeSettings.Read(new SettingsReader(configuration), Features.BuildCatalog());
        Assert.Equal(maxDequeueCount, runtime.Queues.MaxDequeueCount);
    }

    [Fact]
    public void Every_table_of_the_catalog_is_created_by_the_bicep()
    {
        var tables = Regex.Matches(Repository.LoadMain().Variable("tableNames").Text, @"'(\w+)'").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var needed = Features.BuildCatalog().Tables.Where(t => t.Value is null).Select(t => t.Key).ToList();
        Assert.NotEmpty(needed);
        var missing = needed.Where(t => !tables.Contains(t)).ToList();
        Assert.True(missing.Count == 0, "Tables of the catalog that infra/main.bicep does not create: " + string.Join(", ", missing));
    }

    // "connection": "X" makes the host read X__<endpoint>, X__credential and X__clientId (identity-based connection).
    private static void AssertIdentityConnection(string connection, string endpoint)
    {
        foreach (var suffix in new[] { endpoint, "credential", "clientId" })
        {
            Assert.Contains(s_bicep, s => s.Name == $"{connection}__{suffix}");
        }
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex PercentSetting();
}
