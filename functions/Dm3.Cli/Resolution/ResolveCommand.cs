using System.CommandLine;
using System.Text.Json.Nodes;
using Dm3.Adapters.Outbound;
using Dm3.Backend.Resolution;
using Dm3.Protocol;
using Dm3.Protocol.Crypto;

namespace Dm3.Cli.Resolution;

/// <summary>
/// <c>dm3 resolve NAME [--record KEY]… [--json]</c> (lsp-cli.md §2): resolves any ENS name through the configured
/// JSON-RPC endpoint (ENSIP-10 + EIP-3668) with the outbound policy of decisions §36, and prints
/// <c>{"name","address","records","profile","deliveryServices"}</c>; the profile is verified against the address and
/// null when absent. Exit 1 with <c>{"error":{"code","message"}}</c> when the name is invalid or a record is rejected.
/// </summary>
internal static class ResolveCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The ENS name (ENSIP-15 normalised before lookup)." };
        var records = new Option<string[]>("--record") { Description = "Also read these text records.", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object on stdout." };
        var rpc = new Option<string?>("--rpc") { Description = "Ethereum JSON-RPC URL (env DM3_RPC_URL)." };
        var registry = new Option<string?>("--ens-registry") { Description = "ENS registry address (env DM3_ENS_REGISTRY; default the mainnet registry)." };
        var ipfs = new Option<string?>("--ipfs-gateway") { Description = "IPFS gateway for ipfs:// records." };
        var allowHttp = new Option<bool>("--allow-http") { Description = "Allow plain http gateway and record URLs (tests only)." };
        var allowPrivate = new Option<bool>("--allow-private") { Description = "Allow loopback and private addresses (tests only)." };
        var maxRequests = new Option<int?>("--max-requests") { Description = "Outbound requests per resolution (default 12)." };

        var command = new Command("resolve", "Resolve a name's address, verified dm3 profile and delivery services.");
        command.Arguments.Add(name);
        foreach (var option in new Option[] { records, json, rpc, registry, ipfs, allowHttp, allowPrivate, maxRequests })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new ResolutionOptions
            {
                RpcUrl = parseResult.GetValue(rpc) ?? Environment.GetEnvironmentVariable("DM3_RPC_URL"),
                Registry = parseResult.GetValue(registry) ?? Environment.GetEnvironmentVariable("DM3_ENS_REGISTRY") ?? Protocol.Ens.Ensip10.MainnetRegistry,
                MaxRequestsPerResolution = parseResult.GetValue(maxRequests) ?? 12,
                CacheMaxEntries = 0,
            };
            if (parseResult.GetValue(ipfs) is { } gateway)
            {
                options.IpfsGateway = gateway;
            }

            var errors = options.Validate();
            if (errors.Count > 0)
            {
                Console.Error.WriteLine("dm3 resolve: " + string.Join(" ", errors));
                return 2;
            }

            var policy = new OutboundPolicyOptions { AllowHttp = parseResult.GetValue(allowHttp), AllowPrivateAddresses = parseResult.GetValue(allowPrivate) };
            using var http = new PolicyHttpClient(policy);
            var resolver = new NameResolver(options, http, hosted: null, TimeProvider.System);
            var result = await resolver.ResolveAsync(parseResult.GetValue(name), cancellationToken).ConfigureAwait(false);

            var recordValues = new JsonObject();
            if (result.ProfileRecord is not null)
            {
                recordValues[Protocol.Profiles.ProfileTextRecord.ProfileKey] = result.ProfileRecord;
            }

            foreach (var key in parseResult.GetValue(records) ?? [])
            {
                var read = await resolver.ReadTextRecordAsync(result.Name ?? parseResult.GetValue(name), key, cancellationToken).ConfigureAwait(false);
                recordValues[key] = read.Value;
            }

            var failed = result.Status is ResolutionStatus.InvalidName or ResolutionStatus.Rejected or ResolutionStatus.Failed;
            var output = new JsonObject
            {
                ["name"] = result.Name,
                ["status"] = result.Status.ToString(),
                ["source"] = result.Source,
                ["address"] = result.Address is null ? null : Ethereum.ToChecksumAddress(result.Address),
                ["records"] = recordValues,
                ["profile"] = result.Profile is null ? null : JsonNode.Parse(result.Profile.ToCanonicalJson()),
                ["deliveryServices"] = new JsonArray([.. result.DeliveryServices.Select(ds => (JsonNode)new JsonObject
                {
                    ["name"] = ds.Name,
                    ["profile"] = ds.Profile is null ? null : JsonNode.Parse(ds.Profile.ToCanonicalJson()),
                    ["error"] = ErrorJson(ds.Error),
                })]),
            };
            if (result.Error is not null)
            {
                output[failed ? "error" : "reason"] = ErrorJson(result.Error);
            }

            if (parseResult.GetValue(json))
            {
                Console.Out.WriteLine(output.ToJsonString());
            }
            else
            {
                Console.Out.WriteLine($"{result.Name ?? "(invalid name)"}: {result.Status}");
                Console.Out.WriteLine($"  address: {output["address"]?.ToString() ?? "-"}");
                Console.Out.WriteLine($"  profile: {(result.Profile is null ? "-" : "verified")}");
                foreach (var ds in result.DeliveryServices)
                {
                    Console.Out.WriteLine($"  delivery service {ds.Name}: {ds.Profile?.Url ?? ds.Error?.Message}");
                }

                if (result.Error is not null)
                {
                    Console.Out.WriteLine($"  {result.Error.Code}: {result.Error.Message}");
                }
            }

            return failed ? 1 : 0;
        });
        return command;
    }

    private static JsonObject? ErrorJson(ProtocolError? error) =>
        error is null ? null : new JsonObject { ["code"] = error.Code, ["message"] = error.Message };
}
