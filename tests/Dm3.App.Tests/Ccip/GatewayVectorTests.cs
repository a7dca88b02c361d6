using System.Net;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Profiles;
using Dm3.Backend.Names;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Profiles;
using Dm3.Protocol.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Dm3.App.Tests.Ccip.GatewayTestKit;

namespace Dm3.App.Tests.Ccip;

/// <summary>
/// Two hosts with the vectors' gateway key and target 0x1111…: one configured as the ENS family, one as the dm3
/// family. The name of the vectors is stored as a claimed profile; the clock is set so expiry = now + 300 s lands on
/// the vectors' expiry. The gateway's answer must equal the vector's response body byte for byte.
/// </summary>
public sealed class GatewayVectorHosts : IDisposable
{
    private const string Target = "0x1111111111111111111111111111111111111111";
    private readonly Dictionary<ResolverFamily, ResolverHost> _hosts = [];

    public ResolverHost For(ResolverFamily family, JsonObject vector)
    {
        if (!_hosts.TryGetValue(family, out var host))
        {
            var inputs = vector["inputs"]!.AsObject();
            host = ResolverHost.Create(
                new Dictionary<string, string?>
                {
                    ["Gateway:Resolvers:0:Address"] = Target,
                    ["Gateway:Resolvers:0:Family"] = family == ResolverFamily.Dm3Resolver ? "dm3" : "ens",
                },
                Hex.Decode((string)inputs["gatewaySignerPrivateKeyHex"]!));
            host.Clock.Set(DateTimeOffset.FromUnixTimeSeconds(long.Parse((string)inputs["expiresUnixSecondsText"]!, System.Globalization.CultureInfo.InvariantCulture) - 300));
            host.CreateClient().Dispose(); // starts the server
            _hosts[family] = host;
        }

        return host;
    }

    public void Dispose()
    {
        foreach (var host in _hosts.Values)
        {
            host.Dispose();
        }
    }
}

public sealed class GatewayVectorTests(GatewayVectorHosts hosts) : IClassFixture<GatewayVectorHosts>
{
    public static IEnumerable<object[]> VectorIds() =>
        SharedData.Ids("ccipGateway").Where(row => (string)row[0] is not ("offchain-lookup-revert-data" or "reference-cross-check-dm3-gateway"));

    [SharedDataTheory]
    [MemberData(nameof(VectorIds))]
    public async Task Gateway_answers_equal_the_conformance_vectors_for_GET_and_POST(string id)
    {
        var vector = SharedData.Vector("ccipGateway", id);
        var inputs = vector["inputs"]!.AsObject();
        var expected = vector["expected"]!.AsObject();
        var family = ((string)inputs["requestFormText"]!).StartsWith("resolveWithContext", StringComparison.Ordinal)
            ? ResolverFamily.Dm3Resolver
            : ResolverFamily.EnsOffchainResolver;
        var host = hosts.For(family, vector);
        await StoreVectorNameAsync(host, (string)inputs["nameText"]!);
        var client = host.CreateClient();

        var get = await client.GetAsync((string)expected["getPathText"]! is var path ? "/ccip" + path : null);
        var post = await client.PostAsync("/ccip", new StringContent((string)expected["postBodyJson"]!, System.Text.Encoding.UTF8, "application/json"));

        var body = (string)expected[family == ResolverFamily.Dm3Resolver ? "dm3ResponseBodyJson" : "rawDigestResponseBodyJson"]!;
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(body, await get.Content.ReadAsStringAsync());
        Assert.Equal(body, await post.Content.ReadAsStringAsync());
    }

    /// <summary>Stores the profile the vectors publish (taken from the text-profile vector's result) under the vectors' name.</summary>
    private static async Task StoreVectorNameAsync(ResolverHost host, string name)
    {
        var names = host.Services.GetRequiredService<NameStore>();
        if (await names.GetAsync(name, CancellationToken.None) is not null)
        {
            return;
        }

        var profileVector = SharedData.Vector("ccipGateway", "ens-style-text-profile");
        var record = DecodeString(Hex.Decode((string)profileVector["expected"]!["resultHex"]!));
        Assert.True(ProfileTextRecord.TryReadInlineJson(record, out var json, out var error), error?.Message);
        var profile = SignedUserProfile.Parse(json);
        var address = name[..42];
        var (status, _) = await names.InsertAsync(
            new NameRecord(name, ResolverHost.Parent, address, profile.ToCanonicalJson(), profile.Dm3Hash, 1, host.Clock.GetUtcNow(), null, null),
            CancellationToken.None);
        Assert.Equal(NameWriteStatus.Written, status);
    }
}
