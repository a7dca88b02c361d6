namespace Dm3.Infra.Tests.Support;

/// <summary>
/// Azure built-in role definition ids (identical in every tenant), checked against Microsoft's
/// "Azure built-in roles" reference.
/// </summary>
internal static class BuiltInRoles
{
    /// <summary>
    /// Decisions §34: exactly these, and nothing else, may be assigned — plus Monitoring Metrics Publisher on the
    /// Application Insights component, which Entra-only telemetry ingestion (local auth disabled) requires.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Allowed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["12338af0-0e69-4776-bea7-57ae8d297424"] = "Key Vault Crypto User",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
        [MonitoringMetricsPublisher] = "Monitoring Metrics Publisher",
    };

    /// <summary>The one role outside §34's list: telemetry ingestion into the Application Insights component only.</summary>
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    /// <summary>Decisions §34's list, by role definition id.</summary>
    public static readonly IReadOnlyList<string> Decisions34 =
    [
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        "12338af0-0e69-4776-bea7-57ae8d297424", "4633458b-17de-408a-b874-0445c86b69e6",
    ];

    /// <summary>Control-plane roles and broader data-plane roles (owners, officers, administrators) that must never appear.</summary>
    public static readonly IReadOnlyDictionary<string, string> Forbidden = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"] = "Owner",
        ["b24988ac-6180-42a0-ab88-20f7382dd24c"] = "Contributor",
        ["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"] = "User Access Administrator",
        ["f58310d9-a9f6-439a-9e8d-f62e7b41a168"] = "Role Based Access Control Administrator",
        ["00482a5a-887f-4fb3-b363-3b7fe8e74483"] = "Key Vault Administrator",
        ["14b46e9e-c2b7-41b4-b07b-48a6ebf60603"] = "Key Vault Crypto Officer",
        ["b86a8fe4-44ce-4948-aee5-eccb2c155cd7"] = "Key Vault Secrets Officer",
        ["090c5cfd-751d-490a-894a-3ce6f1109419"] = "Azure Service Bus Data Owner",
        ["17d1049b-9a84-46fb-8f53-869881c3d3ab"] = "Storage Account Contributor",
        ["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"] = "Azure Service Bus Data Sender",
        ["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"] = "Azure Service Bus Data Receiver",
        ["749f88d5-cbae-40b8-bcfc-e573ddc772fa"] = "Monitoring Contributor",
    };
}
