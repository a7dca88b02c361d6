using System.Text.Json.Nodes;
using Dm3.Client.Directory;
using Dm3.Client.State;
using Dm3.Client.Transport;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Messaging;
using Dm3.Protocol.Profiles;

namespace Dm3.Client.Messaging;

/// <summary>A received, decrypted message with the hash of its envelope.</summary>
public sealed record Received(Message Message, string EnvelopeHash);

/// <summary>
/// What every client operation needs: HTTP, name resolution, the clock, the chain ids accepted for Link Messages
/// (§16 item 8), and a sink for the reasons of silent drops (the CLI's <c>--verbose</c>; never secrets).
/// </summary>
public sealed class ClientContext(HttpClient http, IProfileDirectory directory, TimeProvider time, IReadOnlyList<ulong> chainIds, Action<string>? dropLog = null)
{
    public HttpClient Http { get; } = http;

    public IProfileDirectory Directory { get; } = directory;

    public TimeProvider Time { get; } = time;

    public IReadOnlyList<ulong> ChainIds { get; } = chainIds;

    public DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(Time.GetUtcNow().ToUnixTimeSeconds());

    internal void Dropped(string reason) => dropLog?.Invoke(reason);

    public BackendApi Backend(string url) => new(Http, url);

    public static ProfileKeys KeysOf(Identity identity) =>
        Base64Std.TryDecode(identity.ProfileSeed, out var seed, 32) ? ProfileKeys.FromSeed(seed) : throw new ClientException("bad_identity", "The identity has no profile seed.");

    /// <summary>Encrypts and signs a message from <paramref name="from"/> and submits it to the receiver's first delivery service.</summary>
    public async Task<(string MessageHash, string DeliveryService)> SendAsync(Identity from, string to, MessageType type, string? text, JsonObject? link,
        CancellationToken ct)
    {
        var receiver = await Directory.ResolveAsync(to, ct).ConfigureAwait(false)
            ?? throw new ClientException("receiver_not_found", $"{to} does not resolve to a verified dm3 profile.");
        var ds = receiver.DeliveryServices.FirstOrDefault()
            ?? throw new ClientException("no_delivery_service", $"{to} has no reachable delivery service.");
        var keys = KeysOf(from);
        var message = Message.CreateSigned(new MessageMetadata(receiver.Name, from.Name, Time.GetUtcNow().ToUnixTimeMilliseconds(), type, Link: link),
            text, null, keys.SigningPrivateKey);
        var envelope = EnvelopeBuilder.Build(message, receiver.EncryptionPublicKey, ds.EncryptionPublicKey, keys.SigningPrivateKey);
        await new DeliveryApi(Http, ds.Url).SubmitMessageAsync(envelope.CanonicalJson, null, ct).ConfigureAwait(false);
        return (envelope.MessageHash, ds.Name);
    }

    /// <summary>Logs in at the identity's delivery service with the challenge flow.</summary>
    public async Task<(DeliveryApi Api, string Token)> LoginAsync(Identity identity, CancellationToken ct)
    {
        var own = await Directory.ResolveAsync(identity.Name, ct).ConfigureAwait(false)
            ?? throw new ClientException("not_found", $"{identity.Name} does not resolve.");
        var ds = own.DeliveryServices.FirstOrDefault() ?? throw new ClientException("no_delivery_service", $"{identity.Name} has no delivery service.");
        var api = new DeliveryApi(Http, ds.Url);
        return (api, await api.LoginAsync(identity.Name, KeysOf(identity).SigningPrivateKey, ct).ConfigureAwait(false));
    }

    /// <summary>Makes sure the identity has an account at its delivery service (profile submission), then logs in.</summary>
    public async Task<(DeliveryApi Api, string Token)> EnsureAccountAsync(Identity identity, CancellationToken ct)
    {
        var own = await Directory.ResolveAsync(identity.Name, ct).ConfigureAwait(false)
            ?? throw new ClientException("not_found", $"{identity.Name} does not resolve.");
        var ds = own.DeliveryServices.FirstOrDefault() ?? throw new ClientException("no_delivery_service", $"{identity.Name} has no delivery service.");
        var api = new DeliveryApi(Http, ds.Url);
        await api.SubmitProfileAsync(identity.Name, identity.SignedUserProfile, ct).ConfigureAwait(false);
        return (api, await api.LoginAsync(identity.Name, KeysOf(identity).SigningPrivateKey, ct).ConfigureAwait(false));
    }

    /// <summary>Fetches, decrypts and acknowledges the identity's incoming envelopes. Undecryptable ones are dropped.</summary>
    public async Task<List<Received>> FetchAsync(Identity identity, CancellationToken ct)
    {
        var (api, token) = await LoginAsync(identity, ct).ConfigureAwait(false);
        var keys = KeysOf(identity);
        var result = new List<Received>();
        var acks = new List<(string, string)>();
        foreach (var node in await api.IncomingAsync(identity.Name, token, ct).ConfigureAwait(false))
        {
            if (!EncryptionEnvelope.TryFromJson(node, out var envelope, out var error) || !envelope.TryDecryptMessage(keys, out var message, out error))
            {
                Dropped("undecryptable envelope: " + error.Code);
                continue;
            }

            result.Add(new Received(message, envelope.MessageHash));
            acks.Add((message.Metadata.From, envelope.MessageHash));
        }

        if (acks.Count > 0)
        {
            await api.AcknowledgeAsync(identity.Name, token, acks, ct).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Keeps a readable copy of a received message (service messages show their type, never keys).</summary>
    public static void Remember(Identity identity, Received received)
    {
        var m = received.Message;
        if (identity.Inbox.Any(e => e.MessageHash == received.EnvelopeHash))
        {
            return;
        }

        identity.Inbox.Add(new InboxEntry(m.Metadata.From, m.Metadata.To, m.Metadata.Type.ToWire(),
            m.Metadata.Link is null ? m.Text ?? "" : $"({m.Metadata.Type.ToWire()} service message)", m.Metadata.Timestamp, received.EnvelopeHash));
    }
}
