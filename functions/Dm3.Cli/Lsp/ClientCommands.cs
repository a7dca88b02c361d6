using System.CommandLine;
using System.Text.Json.Nodes;
using Dm3.Client.Component;
using Dm3.Client.Main;
using Dm3.Client.Messaging;
using Dm3.Client.State;
using Dm3.Client.Transport;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Links;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Siwe;
using static Dm3.Cli.Lsp.CliRuntime;

namespace Dm3.Cli.Lsp;

/// <summary>The client commands of lsp-cli.md §2 on top of Dm3.Client.</summary>
internal static class ClientCommands
{
    private static readonly Option<string> PrivateKey = new("--private-key") { Description = "0x-hex private key.", Required = true };
    private static readonly Option<string> PathOption = new("--path") { Description = "signature | random", Required = true };
    private static readonly Option<bool> Anonymous = new("--anonymous") { Description = "Claim the LSP without the owner index." };
    private static readonly Option<bool> NoEscrow = new("--no-escrow") { Description = "Do not escrow the keys (path a only)." };
    private static readonly Option<bool> Escrow = new("--escrow") { Description = "Ask for scope escrow." };
    private static readonly Option<string> Via = new("--via") { Description = "escrow | signature | main", Required = true };
    private static readonly Option<string?> MainName = new("--main") { Description = "The main profile's name." };
    private static readonly Option<int?> Wait = new("--wait") { Description = "Wait up to SECONDS for the answer." };
    private static readonly Option<string> LspName = new("--lsp") { Description = "LSP name (delete) or alias (link).", Required = true };
    private static readonly Option<string> Id = new("--id") { Description = "Pending request id.", Required = true };
    private static readonly Option<bool> Public = new("--public") { Description = "Attach an attestation so the link can be published." };
    private static readonly Option<int?> Days = new("--days") { Description = "Attestation lifetime in days (default 180)." };
    private static readonly Option<bool> ConfirmOther = new("--confirm-other-wallet") { Description = "Accept a request signed by another wallet than the main profile's." };
    private static readonly Option<string> From = new("--from") { Description = "Sender alias.", Required = true };
    private static readonly Option<string> To = new("--to") { Description = "Receiver name.", Required = true };
    private static readonly Option<string> Text = new("--text") { Description = "Message text.", Required = true };
    private static readonly Option<bool> Ack = new("--ack") { Description = "Acknowledge fetched messages (always done after processing)." };

    public static IEnumerable<Command> Create()
    {
        var wallet = new Command("wallet", "Owner wallets kept in the key file.");
        wallet.Subcommands.Add(Define("import", "Import an owner wallet key under an alias.", [Alias, PrivateKey], async inv =>
        {
            var key = inv.Get(PrivateKey);
            if (!Hex.TryDecode(key, out var bytes) || bytes.Length != 32 || !Secp256k1.IsValidPrivateKey(bytes))
            {
                throw new ClientException("invalid_key", "--private-key is not a secp256k1 private key.");
            }

            (await inv.StateAsync()).Wallets[inv.Get(Alias)] = Hex.Encode(bytes);
            await inv.SaveAsync();
            return new JsonObject { ["alias"] = inv.Get(Alias), ["address"] = Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(bytes)) };
        }));
        yield return wallet;

        var profile = new Command("profile", "Main dm3 profiles.");
        profile.Subcommands.Add(Define("create", "Create a main dm3 profile <addr>.addr.P at the app's backend.", [Alias, BackendUrl, App, OwnerKey, Owner], async inv =>
        {
            var owner = await inv.OwnerAsync();
            var identity = await new MainProfiles(inv.Context).CreateAsync(inv.Get(BackendUrl), inv.Get(App), owner, inv.Ct);
            (await inv.StateAsync()).Identities[inv.Get(Alias)] = identity;
            await inv.SaveAsync();
            return new JsonObject { ["alias"] = inv.Get(Alias), ["name"] = identity.Name, ["address"] = owner.AddressText };
        }));
        yield return profile;

        var lsp = new Command("lsp", "Linked (app) profiles: create, query, recover, delete.");
        Option[] session = [BackendUrl, App, OwnerKey, Owner, Domain, UriOption];
        lsp.Subcommands.Add(Define("create", "Create an LSP by signature (path a) or random keys (path b).", [Alias, .. session, PathOption, Anonymous, NoEscrow], async inv =>
        {
            var owner = await inv.OwnerAsync();
            var path = inv.Get(PathOption) switch
            {
                "signature" => CreationPath.Signature,
                "random" => CreationPath.Random,
                _ => throw new ClientException("invalid_path", "--path is signature or random."),
            };
            var component = new LspComponent(inv.Context);
            var escrow = !inv.Get(NoEscrow) || path == CreationPath.Random;
            var ownerSession = inv.Get(Anonymous) ? null
                : await component.OpenOwnerSessionAsync(inv.Get(BackendUrl), inv.Get(App), owner, inv.Origin(), escrow ? LspComponent.AllScopes : [LspScopes.Query, LspScopes.Register], inv.Ct);
            var identity = await component.CreateAsync(inv.Get(BackendUrl), inv.Get(App), ownerSession, owner, inv.Origin(), path, escrow, inv.Ct);
            (await inv.StateAsync()).Identities[inv.Get(Alias)] = identity;
            await inv.SaveAsync();
            return new JsonObject
            {
                ["alias"] = inv.Get(Alias), ["lspName"] = identity.Name, ["lspAddress"] = AddressOf(identity), ["origin"] = identity.Origin,
                ["escrow"] = ownerSession is not null && escrow,
            };
        }));
        lsp.Subcommands.Add(Define("query", "lspExists: the owner's LSPs for the app (keys never printed).", [.. session, Escrow], async inv =>
        {
            var component = new LspComponent(inv.Context);
            var s = await component.OpenOwnerSessionAsync(inv.Get(BackendUrl), inv.Get(App), await inv.OwnerAsync(), inv.Origin(),
                inv.Get(Escrow) ? [LspScopes.Query, LspScopes.Escrow] : [LspScopes.Query], inv.Ct);
            var rows = await component.QueryAsync(inv.Get(BackendUrl), s, false, inv.Ct);
            return new JsonObject
            {
                ["profiles"] = new JsonArray([.. rows.OfType<JsonObject>().Select(r => (JsonNode)new JsonObject
                {
                    ["lspName"] = r["lspName"]?.DeepClone(), ["lspAddress"] = r["lspAddress"]?.DeepClone(), ["origin"] = r["origin"]?.DeepClone(),
                    ["createdAt"] = r["createdAt"]?.DeepClone(), ["hasEscrow"] = r["hasEscrow"]?.DeepClone(),
                })]),
            };
        }));
        lsp.Subcommands.Add(Define("recover", "Recover the LSP on this device: by escrow, by re-signing, or through the main profile.", [Alias, .. session, Via, MainName, Wait], RecoverAsync));
        lsp.Subcommands.Add(Define("delete", "Delete the LSP (name, escrow, link record).", [.. session, LspName], async inv =>
        {
            var component = new LspComponent(inv.Context);
            var s = await component.OpenOwnerSessionAsync(inv.Get(BackendUrl), inv.Get(App), await inv.OwnerAsync(), inv.Origin(), [LspScopes.Delete], inv.Ct);
            await component.DeleteAsync(inv.Get(BackendUrl), s, inv.Get(LspName), inv.Ct);
            return new JsonObject { ["deleted"] = inv.Get(LspName) };
        }));
        yield return lsp;

        var link = Define("link", "Send LINK from the LSP to the main profile's delivery service.", [LspName, MainName, OwnerKey, Owner, Domain, UriOption, Wait], async inv =>
        {
            var identity = await inv.IdentityAsync(inv.Get(LspName), IdentityKinds.Lsp);
            var main = inv.Parse.GetValue(MainName) ?? throw new ClientException("usage", "--main NAME is required.");
            var pending = await new LspComponent(inv.Context).SendLinkAsync(identity, await inv.OwnerAsync(), inv.Origin(), main, inv.Ct);
            await inv.SaveAsync();
            var state = "sent";
            if (inv.Parse.GetValue(Wait) is { } seconds && await WaitForAsync(inv, seconds, async () =>
                    (await new LspComponent(inv.Context).ProcessInboxAsync(identity, inv.Ct)).Any(o => o.ProfileName == identity.Name)))
            {
                state = "accepted";
                await inv.SaveAsync();
            }

            return new JsonObject
            {
                ["state"] = state, ["lspName"] = identity.Name, ["main"] = pending.Main,
                ["linkNonce"] = LinkMessage.TryParse(pending.LinkMessage, out var m, out _) ? m.Nonce : null,
                ["expiresAt"] = Dm3Siwe.FormatTimestamp(DateTimeOffset.FromUnixTimeSeconds(pending.ExpiresAt)),
            };
        });
        link.Subcommands.Add(Define("publish", "Publish the received attestation as network.dm3.link (LSP-wallet proof).", [LspName, OwnerKey, Owner, Domain, UriOption], async inv =>
        {
            var identity = await inv.IdentityAsync(inv.Get(LspName), IdentityKinds.Lsp);
            if (identity.Attestation is null)
            {
                await new LspComponent(inv.Context).ProcessInboxAsync(identity, inv.Ct);
                await inv.SaveAsync();
            }

            await new LspComponent(inv.Context).PublishAttestationAsync(identity, inv.Origin(), inv.Ct);
            return new JsonObject { ["published"] = identity.Name };
        }));
        yield return link;

        var links = Define("links", "The main messenger's view: pending requests and linked profiles.", [Alias], async inv =>
        {
            var main = await inv.IdentityAsync(inv.Get(Alias), IdentityKinds.Main);
            await new MainMessenger(inv.Context).ProcessInboxAsync(main, inv.Ct);
            await inv.SaveAsync();
            return new JsonObject
            {
                ["pending"] = new JsonArray([.. main.Incoming.Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.Id, ["type"] = r.Type, ["profileName"] = r.ProfileName, ["owner"] = r.Owner, ["sameWallet"] = r.SameWallet,
                    ["requester"] = r.From, ["expiresAt"] = Dm3Siwe.FormatTimestamp(DateTimeOffset.FromUnixTimeSeconds(r.ExpiresAt)),
                    ["prompt"] = MainMessenger.Prompt(r).Text,
                })]),
                ["linked"] = MainMessenger.LinkedView(main),
            };
        }, PrintLinks);
        links.Subcommands.Add(Define("accept", "Accept a pending request: LINK_ACCEPT (keys for a LINK_RECOVER; an attestation with --public).", [Alias, Id, Public, Days, ConfirmOther], async inv =>
        {
            var main = await inv.IdentityAsync(inv.Get(Alias), IdentityKinds.Main);
            var (request, attestation) = await new MainMessenger(inv.Context).AcceptAsync(main, inv.Get(Id), inv.Get(Public), inv.Parse.GetValue(Days) ?? 180,
                inv.Get(ConfirmOther), inv.Ct);
            await inv.SaveAsync();
            return new JsonObject { ["accepted"] = request.Id, ["type"] = request.Type, ["attestation"] = attestation };
        }));
        links.Subcommands.Add(Define("reject", "Reject a pending request (nothing is sent).", [Alias, Id], async inv =>
        {
            var main = await inv.IdentityAsync(inv.Get(Alias), IdentityKinds.Main);
            if (!MainMessenger.Reject(main, inv.Get(Id)))
            {
                throw new ClientException("not_found", $"No pending request {inv.Get(Id)}.");
            }

            await inv.SaveAsync();
            return new JsonObject { ["rejected"] = inv.Get(Id) };
        }));
        yield return links;

        yield return Define("send", "Send a text message.", [From, To, Text], async inv =>
        {
            var from = await inv.IdentityAsync(inv.Get(From));
            var (hash, ds) = await inv.Context.SendAsync(from, inv.Get(To), MessageType.New, inv.Get(Text), null, inv.Ct);
            return new JsonObject { ["messageHash"] = hash, ["deliveryService"] = ds };
        });

        yield return Define("inbox", "Fetch and show messages (a main profile also shows those of its linked profiles).", [Alias, Ack], async inv =>
        {
            var identity = await inv.IdentityAsync(inv.Get(Alias));
            var entries = new List<InboxEntry>();
            if (identity.Kind == IdentityKinds.Main)
            {
                var messenger = new MainMessenger(inv.Context);
                await messenger.ProcessInboxAsync(identity, inv.Ct);
                entries.AddRange(await messenger.LinkedInboxesAsync(identity, inv.Ct));
            }
            else
            {
                await new LspComponent(inv.Context).ProcessInboxAsync(identity, inv.Ct);
            }

            await inv.SaveAsync();
            entries.InsertRange(0, identity.Inbox);
            return new JsonObject
            {
                ["messages"] = new JsonArray([.. entries.Select(e => (JsonNode)new JsonObject
                {
                    ["from"] = e.From, ["to"] = e.To, ["type"] = e.Type, ["text"] = e.Text, ["timestamp"] = e.Timestamp, ["messageHash"] = e.MessageHash,
                })]),
            };
        });
    }

    private static async Task<JsonObject> RecoverAsync(Invocation inv)
    {
        var owner = await inv.OwnerAsync();
        var component = new LspComponent(inv.Context);
        var backend = inv.Get(BackendUrl);
        var app = inv.Get(App);
        var alias = inv.Get(Alias);
        var state = await inv.StateAsync();
        Identity? recovered;
        switch (inv.Get(Via))
        {
            case "escrow":
                recovered = await component.RecoverByEscrowAsync(backend, app,
                    await component.OpenOwnerSessionAsync(backend, app, owner, inv.Origin(), [LspScopes.Query, LspScopes.Escrow], inv.Ct), owner, inv.Ct);
                break;
            case "signature":
                recovered = await component.RecoverBySignatureAsync(backend, app,
                    await component.OpenOwnerSessionAsync(backend, app, owner, inv.Origin(), [LspScopes.Query, LspScopes.Escrow], inv.Ct), owner, inv.Ct);
                break;
            case "main":
                var tempAlias = alias + "#recovery";
                if (!state.Identities.TryGetValue(tempAlias, out var temp))
                {
                    var main = inv.Parse.GetValue(MainName) ?? throw new ClientException("usage", "--main NAME is required with --via main.");
                    var s = await component.OpenOwnerSessionAsync(backend, app, owner, inv.Origin(), [LspScopes.Query], inv.Ct);
                    var row = (await component.QueryAsync(backend, s, false, inv.Ct)).OfType<JsonObject>().FirstOrDefault()
                        ?? throw new ClientException("not_found", "The owner has no LSP for this app.");
                    temp = await component.StartRecoveryViaMainAsync(backend, app, owner, inv.Origin(), row["lspName"]!.GetValue<string>(), main, inv.Ct);
                    state.Identities[tempAlias] = temp;
                    await inv.SaveAsync();
                }

                recovered = null;
                await WaitForAsync(inv, inv.Parse.GetValue(Wait) ?? 0, async () =>
                {
                    recovered = (await component.ProcessInboxAsync(temp, inv.Ct)).Select(o => o.Recovered).FirstOrDefault(r => r is not null);
                    return recovered is not null;
                });
                if (recovered is null)
                {
                    await inv.SaveAsync();
                    return new JsonObject { ["alias"] = alias, ["state"] = "waiting", ["requester"] = temp.Name, ["via"] = "main" };
                }

                state.Identities.Remove(tempAlias);
                await inv.Context.EnsureAccountAsync(recovered, inv.Ct);
                await component.DeleteTemporaryAsync(temp, inv.Origin(), inv.Ct);
                break;
            default:
                throw new ClientException("usage", "--via is escrow, signature or main.");
        }

        state.Identities[alias] = recovered;
        await inv.SaveAsync();
        return new JsonObject { ["alias"] = alias, ["lspName"] = recovered.Name, ["lspAddress"] = AddressOf(recovered), ["via"] = inv.Get(Via) };
    }

    private static async Task<bool> WaitForAsync(Invocation inv, int seconds, Func<Task<bool>> done)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await done().ConfigureAwait(false))
            {
                return true;
            }

            if (DateTimeOffset.UtcNow >= until)
            {
                return false;
            }

            await Task.Delay(250, inv.Ct).ConfigureAwait(false);
        }
    }

    private static string AddressOf(Identity identity) =>
        Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(Hex.Decode(identity.WalletPrivateKey!)));

    private static string PrintLinks(JsonObject o)
    {
        var lines = new List<string> { "pending:" };
        lines.AddRange(o["pending"]!.AsArray().Select(p => $"  [{p!["id"]}] {p["prompt"]}"));
        lines.Add("linked:");
        lines.AddRange(o["linked"]!.AsArray().Select(l => $"  {l!["profileName"]} (owner {l["owner"]}, {l["origin"]}, since {l["acceptedAt"]})"));
        return string.Join('\n', lines);
    }
}
