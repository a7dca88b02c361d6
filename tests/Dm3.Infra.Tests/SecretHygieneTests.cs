using System.Text.RegularExpressions;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests;

/// <summary>No key, connection string or secret literal anywhere in the deployable package (decisions §23, §28).</summary>
public sealed partial class SecretHygieneTests
{
    private static readonly IReadOnlyList<BicepDocument> s_all = Repository.LoadAll();

    public static TheoryData<string> DeploymentFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Repository.AllDeploymentFiles())
        {
            data.Add(Path.GetRelativePath(Repository.Root, file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DeploymentFiles))]
    public void No_file_contains_a_key_or_connection_string_literal(string relativePath)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, relativePath));
        foreach (var marker in new[] { "AccountKey=", "SharedAccessKey=", "SharedAccessSignature ", "DefaultEndpointsProtocol=", "-----BEGIN", "sig=" })
        {
            Assert.False(text.Contains(marker, StringComparison.OrdinalIgnoreCase), $"{relativePath} contains '{marker}'");
        }
        Assert.Empty(LongBase64().Matches(text).Select(m => m.Value));
        Assert.Empty(HexKey().Matches(text).Select(m => m.Value));
    }

    [Fact]
    public void No_template_reads_keys_or_connection_strings_from_a_resource()
    {
        foreach (var doc in s_all)
        {
            Assert.DoesNotMatch(ListFunction(), doc.Code);
            Assert.DoesNotContain("primaryKey", doc.Code, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("StorageAccountConnectionString", doc.Code, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void The_only_connection_string_is_application_insights()
    {
        var uses = s_all.SelectMany(d => ConnectionStringWord().Matches(d.Code).Select(m => (d.FileName, Text: m.Value))).ToList();
        Assert.NotEmpty(uses);
        Assert.All(uses, u => Assert.True(
            u.Text.Split('.')[^1] is "applicationInsightsConnectionString" or "APPLICATIONINSIGHTS_CONNECTION_STRING"
            || (u.FileName == "monitoring.bicep" && u.Text == "appInsights.properties.ConnectionString"),
            $"{u.FileName}: {u.Text}"));
    }

    [Fact]
    public void Secret_parameters_are_secure_and_have_no_default()
    {
        var secretNames = new[] { "dsEncryptionPrivateKey", "dsSigningPrivateKey", "dsTokenSecret", "ownerIndexKey" };
        foreach (var doc in new[] { Repository.LoadMain(), Repository.LoadModule("keyvault.bicep") })
        {
            foreach (var name in secretNames)
            {
                var param = doc.Param(name);
                Assert.True(param.Declaration.HasDecorator("secure"), $"{doc.FileName}:{name} must be @secure()");
                Assert.Null(param.DefaultValue);
            }
        }
        // Every secure parameter anywhere lacks a default (a default would be a literal secret).
        Assert.All(s_all.SelectMany(d => d.Params).Where(p => p.Declaration.HasDecorator("secure")), p => Assert.Null(p.DefaultValue));
    }

    [Fact]
    public void No_output_exposes_a_secure_parameter()
    {
        foreach (var doc in s_all)
        {
            var secure = doc.Params.Where(p => p.Declaration.HasDecorator("secure")).Select(p => p.Name).ToList();
            foreach (var output in doc.Outputs)
            {
                Assert.All(secure, name => Assert.DoesNotMatch($@"\b{name}\b", output.Value));
            }
        }
    }

    [Fact]
    public void Telemetry_needs_no_instrumentation_key_local_auth_is_off_and_no_service_bus_sas_exists()
    {
        var component = Repository.LoadModule("monitoring.bicep").ResourcesOfType("Microsoft.Insights/components").Single();
        Assert.Equal("true", BicepObject.Parse(component.Body).Find("properties.DisableLocalAuth"));
        Assert.All(s_all, d => Assert.DoesNotContain("InstrumentationKey", d.Code, StringComparison.Ordinal));
        Assert.All(s_all, d => Assert.DoesNotContain("Microsoft.ServiceBus", d.Code, StringComparison.Ordinal));
    }

    // 64+ characters of base64 alphabet in one run: a key, a SAS signature or an account key.
    [GeneratedRegex(@"[A-Za-z0-9+/]{64,}={0,2}")]
    private static partial Regex LongBase64();

    // 0x-prefixed 32-byte hex: an Ethereum private key (addresses are 20 bytes, so they do not match).
    [GeneratedRegex(@"0x[0-9a-fA-F]{64}\b")]
    private static partial Regex HexKey();

    [GeneratedRegex(@"\blist(Keys|ConnectionStrings|Secrets|AccountSas|ServiceSas|Credentials?)\s*\(|\.list\w*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();

    [GeneratedRegex(@"[\w.]*connection_?string\w*", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionStringWord();
}
