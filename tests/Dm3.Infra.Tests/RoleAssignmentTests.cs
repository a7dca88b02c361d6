using System.Text.RegularExpressions;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests;

/// <summary>
/// Decisions §34: exactly the listed data-plane roles, each named, none broader (checked by role definition id), plus
/// Monitoring Metrics Publisher scoped to the Application Insights component (Entra-only telemetry ingestion).
/// </summary>
public sealed partial class RoleAssignmentTests
{
    private static readonly IReadOnlyList<BicepDocument> s_all = Repository.LoadAll();
    private static readonly BicepDocument s_roles = Repository.LoadModule("roles.bicep");

    private static IEnumerable<(BicepDocument Doc, BicepResource Resource)> Assignments() =>
        s_all.SelectMany(d => d.ResourcesOfType("Microsoft.Authorization/roleAssignments").Select(r => (d, r)));

    // roleIds.<key> → role definition GUID, from the map in roles.bicep.
    private static Dictionary<string, string> RoleIdMap() =>
        BicepObject.Parse(s_roles.Variable("roleIds").Text).Properties
            .ToDictionary(p => p.Key, p => p.Value.Trim('\''));

    [Fact]
    public void The_role_definition_ids_in_the_templates_are_exactly_the_allowed_set()
    {
        var guids = s_all.SelectMany(d => GuidLiteral().Matches(d.Code).Select(m => m.Value.ToLowerInvariant())).ToHashSet();
        Assert.Equal(BuiltInRoles.Allowed.Keys.Order(StringComparer.Ordinal), guids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_forbidden_role_appears_anywhere_in_the_deployment_files()
    {
        foreach (var file in Repository.AllDeploymentFiles())
        {
            var text = File.ReadAllText(file);
            foreach (var (id, name) in BuiltInRoles.Forbidden)
            {
                Assert.False(text.Contains(id, StringComparison.OrdinalIgnoreCase), $"{name} ({id}) appears in {file}");
            }
        }
    }

    [Fact]
    public void Every_role_assignment_lives_in_the_roles_module()
    {
        Assert.All(Assignments(), a => Assert.Equal("roles.bicep", a.Doc.FileName));
        Assert.Equal(6, Assignments().Count());
    }

    [Fact]
    public void Every_assignment_grants_one_role_of_the_map_and_every_allowed_role_is_granted_once()
    {
        var map = RoleIdMap();
        Assert.Equal(BuiltInRoles.Allowed.Keys.Order(StringComparer.OrdinalIgnoreCase), map.Values.Order(StringComparer.OrdinalIgnoreCase));

        var granted = new List<string>();
        foreach (var (_, assignment) in Assignments())
        {
            var definition = BicepObject.Parse(assignment.Body).Find("properties.roleDefinitionId")!;
            var m = RoleDefinitionReference().Match(definition);
            Assert.True(m.Success, $"{assignment.Name}: roleDefinitionId must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.<name>), was {definition}");
            granted.Add(map[m.Groups[1].Value]);
        }
        Assert.Equal(BuiltInRoles.Allowed.Keys.Order(StringComparer.OrdinalIgnoreCase), granted.Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_role_id_and_every_assignment_carries_a_comment_naming_the_role()
    {
        var lines = s_roles.Source.Split('\n');
        foreach (var (id, name) in BuiltInRoles.Allowed)
        {
            var line = Assert.Single(lines, l => l.Contains(id, StringComparison.OrdinalIgnoreCase));
            Assert.EndsWith($"// {name}", line.TrimEnd(), StringComparison.Ordinal);
        }

        var map = RoleIdMap();
        foreach (var (_, assignment) in Assignments())
        {
            var key = RoleDefinitionReference().Match(BicepObject.Parse(assignment.Body).Find("properties.roleDefinitionId")!).Groups[1].Value;
            var roleName = BuiltInRoles.Allowed[map[key]];
            Assert.Contains(assignment.Declaration.LeadingComments, c => c.StartsWith($"Role: {roleName}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Assignments_target_the_app_identity_on_single_resources_with_deterministic_names()
    {
        foreach (var (_, assignment) in Assignments())
        {
            var body = BicepObject.Parse(assignment.Body);
            Assert.StartsWith("guid(", body["name"], StringComparison.Ordinal);
            Assert.Contains(body["scope"], new[] { "storage", "vault", "appInsights" });
            Assert.Equal("principalId", body.Find("properties.principalId"));
            Assert.Equal("'ServicePrincipal'", body.Find("properties.principalType"));
        }
    }

    [Fact]
    public void The_roles_are_decisions_34_plus_only_telemetry_publishing_on_the_app_insights_component()
    {
        var map = RoleIdMap();
        var byScope = Assignments()
            .Select(a => BicepObject.Parse(a.Resource.Body))
            .Select(b => (Scope: b["scope"], Role: map[RoleDefinitionReference().Match(b.Find("properties.roleDefinitionId")!).Groups[1].Value]))
            .ToList();
        Assert.Equal(BuiltInRoles.Decisions34.Order(StringComparer.OrdinalIgnoreCase),
            byScope.Where(a => a.Role != BuiltInRoles.MonitoringMetricsPublisher).Select(a => a.Role).Order(StringComparer.OrdinalIgnoreCase));
        Assert.Equal(("appInsights", BuiltInRoles.MonitoringMetricsPublisher), Assert.Single(byScope, a => a.Role == BuiltInRoles.MonitoringMetricsPublisher));
        Assert.DoesNotContain(byScope, a => a.Scope == "appInsights" && a.Role != BuiltInRoles.MonitoringMetricsPublisher);
        Assert.Contains("resource appInsights 'Microsoft.Insights/components@", s_roles.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void No_service_bus_role_or_resource_is_left()
    {
        Assert.All(s_all, d => Assert.DoesNotContain("Microsoft.ServiceBus", d.Source, StringComparison.Ordinal));
        Assert.DoesNotContain(Assignments(), a => BicepObject.Parse(a.Resource.Body)["scope"] == "serviceBus");
    }

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")]
    private static partial Regex GuidLiteral();

    [GeneratedRegex(@"^subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions',\s*roleIds\.(\w+)\)$")]
    private static partial Regex RoleDefinitionReference();
}
