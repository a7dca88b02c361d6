using System.CommandLine;
using System.Text.Json.Nodes;
using Dm3.Adapters.Outbound;
using Dm3.Backend.Resolution;
using Dm3.Client.Directory;
using Dm3.Client.Messaging;
using Dm3.Client.State;
using Dm3.Client.Transport;
using Dm3.Client.Wallet;
using Dm3.Protocol.Encoding;

namespace Dm3.Cli.Lsp;

/// <summary>Options shared by the client commands and the one place that runs them: JSON or text output, exit codes 0/1/2.</summary>
internal static class CliRuntime
{
    public static readonly Option<bool> Json = new("--json") { Description = "Print exactly one JSON object on stdout." };
    public static readonly Option<string?> KeyFilePath = new("--keyfile") { Description = "Key file (default env DM3_KEYFILE, else ~/.dm3/keys.json)." };
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print the reason of each dropped link message on stderr." };
    public static readonly Option<string?> Rpc = new("--rpc") { Description = "Ethereum JSON-RPC URL (env DM3_RPC_URL)." };
    public static readonly Option<string?> Registry = new("--ens-registry") { Description = "ENS registry (env DM3_ENS_REGISTRY; default mainnet)." };
    public static readonly Option<ulong?> ChainId = new("--chain-id") { Description = "Chain id for signed messages (default: the RPC's)." };
    public static readonly Option<bool> AllowLocal = new("--allow-local") { Description = "Allow http and loopback/private addresses for gateways and services (local development only; env DM3_ALLOW_LOCAL=1)." };

    public static readonly Option<string> Alias = new("--alias") { Description = "Local alias of the identity in the key file.", Required = true };
    public static readonly Option<string> BackendUrl = new("--backend") { Description = "Backend base URL.", Required = true };
    public static readonly Option<string> App = new("--app") { Description = "App parent name P, e.g. myapp.eth.", Required = true };
    public static readonly Option<string?> OwnerKey = new("--owner-key") { Description = "Owner wallet private key 0x… (env DM3_OWNER_KEY)." };
    public static readonly Option<string?> Owner = new("--owner") { Description = "Alias of an imported owner wallet." };
    public static readonly Option<string> Domain = new("--domain") { Description = "EIP-4361 domain HOST[:PORT] of the component.", Required = true };
    public static readonly Option<string> UriOption = new("--uri") { Description = "EIP-4361 URI of the component.", Required = true };

    public static Command Define(string name, string description, Option[] options, Func<Invocation, Task<JsonObject>> action, Func<JsonObject, string>? text = null)
    {
        var command = new Command(name, description);
        foreach (var option in options.Concat([Json, KeyFilePath, Verbose, Rpc, Registry, ChainId, AllowLocal]))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var json = parse.GetValue(Json);
            try
            {
                using var invocation = new Invocation(parse, ct);
                var result = await action(invocation).ConfigureAwait(false);
                Console.Out.WriteLine(json ? result.ToJsonString() : text?.Invoke(result) ?? result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            catch (ClientException e)
            {
                return Fail(json, e.Code, e.Message);
            }
            catch (HttpRequestException e)
            {
                return Fail(json, "unreachable", e.Message);
            }
            catch (Protocol.ProtocolFormatException e)
            {
                return Fail(json, "invalid_input", e.Message);
            }
        });
        return command;
    }

    private static int Fail(bool json, string code, string message)
    {
        if (json)
        {
            Console.Out.WriteLine(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString());
        }
        else
        {
            Console.Error.WriteLine($"dm3: {code}: {message}");
        }

        return 1;
    }
}

/// <summary>One command run: parsed options, the key file, HTTP and resolution.</summary>
internal sealed class Invocation : IDisposable
{
    private readonly PolicyHttpClient _outbound;
    private ClientState? _state;

    public Invocation(ParseResult parse, CancellationToken ct)
    {
        Parse = parse;
        Ct = ct;
        Store = new KeyFile(parse.GetValue(CliRuntime.KeyFilePath) ?? KeyFile.DefaultPath());
        var local = parse.GetValue(CliRuntime.AllowLocal) || Environment.GetEnvironmentVariable("DM3_ALLOW_LOCAL") == "1";
        _outbound = new PolicyHttpClient(new OutboundPolicyOptions { AllowHttp = local, AllowPrivateAddresses = local });
        RpcUrl = parse.GetValue(CliRuntime.Rpc) ?? Environment.GetEnvironmentVariable("DM3_RPC_URL");
        var options = new ResolutionOptions
        {
            RpcUrl = RpcUrl,
            Registry = parse.GetValue(CliRuntime.Registry) ?? Environment.GetEnvironmentVariable("DM3_ENS_REGISTRY") ?? Protocol.Ens.Ensip10.MainnetRegistry,
            CacheMaxEntries = 0,
        };
        var resolver = new NameResolver(options, _outbound, hosted: null, TimeProvider.System);
        var verbose = parse.GetValue(CliRuntime.Verbose);
        Context = new ClientContext(Http, new ResolverDirectory(resolver), TimeProvider.System, [ChainIdValue()],
            verbose ? reason => Console.Error.WriteLine("dm3: " + reason) : null);
    }

    public ParseResult Parse { get; }

    public CancellationToken Ct { get; }

    public KeyFile Store { get; }

    public string? RpcUrl { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public ClientContext Context { get; }

    public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

    public async Task<ClientState> StateAsync() => _state ??= await Store.LoadAsync(Ct).ConfigureAwait(false);

    public async Task SaveAsync() => await Store.SaveAsync(await StateAsync().ConfigureAwait(false), Ct).ConfigureAwait(false);

    public async Task<Identity> IdentityAsync(string alias, string? kind = null)
    {
        var state = await StateAsync().ConfigureAwait(false);
        if (!state.Identities.TryGetValue(alias, out var identity) || (kind is not null && identity.Kind != kind))
        {
            throw new ClientException("unknown_alias", $"No {kind ?? "identity"} with alias '{alias}' in {Store.Path}.");
        }

        return identity;
    }

    /// <summary>The owner wallet from --owner-key, DM3_OWNER_KEY or --owner ALIAS.</summary>
    public async Task<PrivateKeyWallet> OwnerAsync()
    {
        var key = Parse.GetValue(CliRuntime.OwnerKey) ?? Environment.GetEnvironmentVariable("DM3_OWNER_KEY");
        if (key is null && Parse.GetValue(CliRuntime.Owner) is { } alias)
        {
            (await StateAsync().ConfigureAwait(false)).Wallets.TryGetValue(alias, out key);
        }

        if (key is null || !Hex.TryDecode(key, out var bytes) || bytes.Length != 32 || !Protocol.Crypto.Secp256k1.IsValidPrivateKey(bytes))
        {
            throw new ClientException("owner_key", "An owner wallet is required: --owner-key 0x…, DM3_OWNER_KEY or --owner ALIAS.");
        }

        return new PrivateKeyWallet(bytes);
    }

    public Client.Component.ComponentOrigin Origin() => new(Get(CliRuntime.Domain), Get(CliRuntime.UriOption), ChainIdValue());

    public ulong ChainIdValue()
    {
        if (Parse.GetValue(CliRuntime.ChainId) is { } id)
        {
            return id;
        }

        return _chainId ??= QueryChainId();
    }

    private ulong? _chainId;

    private ulong QueryChainId()
    {
        if (RpcUrl is null)
        {
            return 1;
        }

        try
        {
            using var content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}", System.Text.Encoding.UTF8, "application/json");
            using var response = Http.PostAsync(RpcUrl, content, Ct).GetAwaiter().GetResult();
            var hex = JsonNode.Parse(response.Content.ReadAsStringAsync(Ct).GetAwaiter().GetResult())?["result"]?.GetValue<string>() ?? "0x1";
            return Convert.ToUInt64(hex, 16);
        }
        catch (HttpRequestException)
        {
            return 1;
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        _outbound.Dispose();
    }
}
