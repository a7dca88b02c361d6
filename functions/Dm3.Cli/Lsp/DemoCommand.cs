using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Dm3.Client.Component;
using Dm3.Client.Main;
using Dm3.Client.Messaging;
using Dm3.Client.State;
using Dm3.Client.Transport;
using Dm3.Client.Wallet;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Siwe;
using static Dm3.Cli.Lsp.CliRuntime;

namespace Dm3.Cli.Lsp;

/// <summary>
/// <c>dm3 demo</c>: the Linked Profiles story of issue 12, steps 1–8, against two running backends (A serving the app
/// <c>myapp.eth</c>, B serving <c>main.eth</c>) and one chain with ENS (scripts/lsp-demo.mjs starts them). Readable
/// steps on stdout; no secret is printed. Exit 1 when a step fails.
/// </summary>
internal static class DemoCommand
{
    private static readonly Option<string> BackendA = new("--backend-a") { Description = "BackendUrl serving the app (myapp.eth).", Required = true };
    private static readonly Option<string> BackendB = new("--backend-b") { Description = "BackendUrl serving the main profiles (main.eth).", Required = true };
    private static readonly Option<string?> AppA = new("--app-a") { Description = "App parent on A (default myapp.eth)." };
    private static readonly Option<string?> AppB = new("--app-b") { Description = "Main parent on B (default main.eth)." };
    private static readonly Option<string?> DappDomain = new("--dapp-domain") { Description = "The embedding dApp's domain (default dapp.example.com)." };

    public static Command Create() => Define("demo", "The whole Linked Profiles story against local backends (see scripts/lsp-demo.mjs).",
        [BackendA, BackendB, AppA, AppB, Domain, UriOption, DappDomain], RunAsync, o => $"demo finished in {o["seconds"]} s");

    private static async Task<JsonObject> RunAsync(Invocation inv)
    {
        var clock = Stopwatch.StartNew();
        var a = inv.Get(BackendA);
        var b = inv.Get(BackendB);
        var app = inv.Parse.GetValue(AppA) ?? "myapp.eth";
        var mainApp = inv.Parse.GetValue(AppB) ?? "main.eth";
        var origin = inv.Origin();
        var ctx = inv.Context;
        var component = new LspComponent(ctx);
        var messenger = new MainMessenger(ctx);
        var step = 0;
        void Step(string text) => Console.Error.WriteLine($"\n\u001b[1m▶ {++step}. {text}\u001b[0m");
        void Say(string text) => Console.Error.WriteLine("  " + text);

        var alice = PrivateKeyWallet.Random();
        Step($"A main profile on backend B: alice's wallet {alice.AddressText} derives dm3 keys and claims <addr>.addr.{mainApp}");
        var main = await new MainProfiles(ctx).CreateAsync(b, mainApp, alice, inv.Ct);
        Say($"main profile {main.Name}");

        Step($"An LSP on backend A ({app}) created by signature (path a): owner proof → session, creation message signed in the component, HKDF, escrow");
        var session = await component.OpenOwnerSessionAsync(a, app, alice, origin, [.. LspComponent.AllScopes, LspScopes.Delete], inv.Ct);
        var lsp = await component.CreateAsync(a, app, session, alice, origin, CreationPath.Signature, escrow: true, inv.Ct);
        Say($"LSP {lsp.Name} (origin {lsp.Origin}); the creation signature never left the component");

        Step("A second LSP embedded in a dApp: the dApp's own SIWE login carries our nonce (zero interaction); keys from the component's CSPRNG");
        var bob = PrivateKeyWallet.Random();
        var dappDomain = inv.Parse.GetValue(DappDomain) ?? "dapp.example.com";
        var nonce = await ctx.Backend(a).NonceAsync(app, "owner", inv.Ct);
        var dappLogin = Dm3Siwe.FormatStrict(Dm3Siwe.Compose(dappDomain, bob.Address, "Sign in to the example dApp.", $"https://{dappDomain}/login", origin.ChainId,
            nonce.Nonce, nonce.IssuedAt, nonce.ExpirationTime,
            [LinkedProfileTexts.AppResource(app), LinkedProfileTexts.ScopeResourcePrefix + "query", LinkedProfileTexts.ScopeResourcePrefix + "register"]));
        var dappSession = await component.OpenDappSessionAsync(a, dappLogin, await bob.SignPersonalAsync(dappLogin, inv.Ct), inv.Ct);
        var existing = await component.QueryAsync(a, dappSession, false, inv.Ct);
        var embedded = await component.CreateAsync(a, app, dappSession, bob, origin, CreationPath.Random, escrow: true, inv.Ct,
            dappEntropy: new byte[32]);
        Say($"lspExists before: {existing.Count}; created {embedded.Name} (origin {embedded.Origin}; the dApp's entropy was ignored)");

        Step("lspExists for the owner, and for another wallet's session");
        var own = await component.QueryAsync(a, await component.OpenOwnerSessionAsync(a, app, alice, origin, [LspScopes.Query], inv.Ct), false, inv.Ct);
        var other = await component.QueryAsync(a, await component.OpenOwnerSessionAsync(a, app, PrivateKeyWallet.Random(), origin, [LspScopes.Query], inv.Ct), false, inv.Ct);
        Say($"owner: {string.Join(", ", own.Select(p => p!["lspName"]))}; another wallet: {other.Count} profiles");
        Expect(own.Count == 1 && other.Count == 0, "lspExists");

        Step("A second device recovers the LSP by escrow");
        var device2 = await component.RecoverByEscrowAsync(a, app,
            await component.OpenOwnerSessionAsync(a, app, alice, origin, [LspScopes.Query, LspScopes.Escrow], inv.Ct), alice, inv.Ct);
        Say($"recovered {device2.Name}: same address {Same(device2, lsp)}");
        Expect(device2.Name == lsp.Name && device2.WalletPrivateKey == lsp.WalletPrivateKey, "escrow recovery");

        Step($"LINK: {lsp.Name} → {main.Name}; the main messenger lists it; accept with --public; network.dm3.link resolves to a valid attestation");
        var pending = await component.SendLinkAsync(lsp, alice, origin, main.Name, inv.Ct);
        var requests = await PollAsync(async () => await messenger.ProcessInboxAsync(main, inv.Ct) is { Count: > 0 } r ? r : null);
        foreach (var r in requests)
        {
            Say($"main messenger: [{r.Id}] {MainMessenger.Prompt(r).Text}");
        }

        await messenger.AcceptAsync(main, requests[0].Id, makePublic: true, days: 180, confirmOtherWallet: false, inv.Ct);
        var accepted = await PollAsync(async () => await component.ProcessInboxAsync(lsp, inv.Ct) is { Count: > 0 } o ? o : null);
        Say($"LINK_ACCEPT validated by the component (attestation: {accepted[0].HasAttestation}); publishing it with an LSP-wallet proof");
        await component.PublishAttestationAsync(lsp, origin, inv.Ct);
        var record = await ctx.Directory.ReadTextAsync(lsp.Name, "network.dm3.link", inv.Ct) ?? "";
        var published = await ctx.Directory.ResolveAsync(lsp.Name, inv.Ct);
        var mainProfile = await ctx.Directory.ResolveAsync(main.Name, inv.Ct);
        var valid = LinkAttestation.TryParseRecordValue(record, out var attestation, out _) && published is not null && mainProfile is not null
            && attestation.CheckForReader(lsp.Name, published.ProfileHash, ctx.Now, mainProfile.SigningPublicKey) is null;
        Say($"ENS + CCIP-Read: network.dm3.link of {lsp.Name} = {record[..Math.Min(80, record.Length)]}… valid: {valid}");
        Expect(valid && pending.Main == main.Name, "published attestation");

        Step("A fresh device without escrow recovers through the main profile: temporary profile, LINK_RECOVER, LINK_ACCEPT with the keys");
        var temp = await component.StartRecoveryViaMainAsync(a, app, alice, origin, lsp.Name, main.Name, inv.Ct);
        Say($"temporary profile {temp.Name} sent LINK_RECOVER");
        var recoverRequests = await PollAsync(async () => await messenger.ProcessInboxAsync(main, inv.Ct) is { Count: > 0 } r ? r : null);
        Say($"main messenger: [{recoverRequests[0].Id}] {MainMessenger.Prompt(recoverRequests[0]).Text}");
        await messenger.AcceptAsync(main, recoverRequests[0].Id, false, 180, false, inv.Ct);
        var recovered = (await PollAsync(async () => await component.ProcessInboxAsync(temp, inv.Ct) is { Count: > 0 } o ? o : null))[0].Recovered!;
        await component.DeleteTemporaryAsync(temp, origin, inv.Ct);
        Say($"recovered {recovered.Name}: same address {Same(recovered, lsp)}, same profile seed {recovered.ProfileSeed == lsp.ProfileSeed}; temporary name deleted");
        Expect(recovered.Name == lsp.Name && recovered.WalletPrivateKey == lsp.WalletPrivateKey && recovered.ProfileSeed == lsp.ProfileSeed, "recovery through the main profile");

        Step("A message sent to the LSP shows in the main messenger's view of its linked profiles");
        await ctx.SendAsync(embedded, lsp.Name, MessageType.New, "Hi from the dApp user!", null, inv.Ct);
        var seen = await PollAsync(async () => await messenger.LinkedInboxesAsync(main, inv.Ct) is { Count: > 0 } e ? e : null);
        foreach (var e in seen)
        {
            Say($"{e.To} ← {e.From}: \"{e.Text}\"");
        }

        Say($"done in {clock.Elapsed.TotalSeconds:F1} s");
        return new JsonObject
        {
            ["main"] = main.Name, ["lsp"] = lsp.Name, ["embedded"] = embedded.Name, ["attestationValid"] = valid,
            ["recoveredByEscrow"] = device2.Name == lsp.Name, ["recoveredViaMain"] = recovered.Name == lsp.Name, ["linkedMessages"] = seen.Count,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
    }

    private static string Same(Identity x, Identity y) =>
        Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(Protocol.Encoding.Hex.Decode(x.WalletPrivateKey!)))
        + (x.WalletPrivateKey == y.WalletPrivateKey ? " ✓" : " ✗");

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new ClientException("demo_failed", $"The {what} step did not give the expected result.");
        }
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> attempt)
        where T : class
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await attempt().ConfigureAwait(false) is { } value)
            {
                return value;
            }

            if (DateTimeOffset.UtcNow > until)
            {
                throw new ClientException("timeout", "Nothing arrived within 20 s.");
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }
}
