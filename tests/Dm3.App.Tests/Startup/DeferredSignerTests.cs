using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Keys;
using Dm3.Adapters.KeyVault;
using Dm3.App.Composition;
using Dm3.App.Tests.Runtime.Support;
using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.Startup;

/// <summary>
/// A Key Vault gateway signer (<c>Gateway__SignerKeyId</c>) reads its public key after the program listens, never
/// before (functions-custom-handler.md §2: the host waits at most 30 s for GET /), and /health tells the truth meanwhile.
/// Key Vault is a gated fake behind the real SDK <see cref="KeyClient"/>; storage is Azurite.
/// </summary>
public sealed class DeferredSignerAppTests : IAsyncLifetime
{
    private const string Vault = "https://startup-test.vault.azure.net";
    private const string KeyVersion = "0123456789abcdef0123456789abcdef";

    private readonly byte[] _privateKey = NewKey();
    private readonly GatedKeyVault _keyVault = new();
    private readonly RuntimeAppFactory _factory = new("sgn", new Dictionary<string, string?>
    {
        ["Gateway__SignerKeyId"] = Vault + "/keys/gateway",
    });
    private WebApplicationFactory<Dm3.Host.Program> _app = null!;

    public Task InitializeAsync()
    {
        _app = _factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(new KeyClient(new Uri(Vault), new UnusedCredential(), KeyClientOptions(_keyVault)))));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _keyVault.Open(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        await _app.DisposeAsync();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Root_answers_while_the_key_read_hangs_and_health_reports_the_signer_pending_then_ready()
    {
        var clock = Stopwatch.StartNew();
        using var client = _app.CreateClient();
        var root = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"GET / took {clock.Elapsed} while the key read was blocked");
        await TestStorage.EventuallyAsync(() => Task.FromResult(_keyVault.Requests > 0 ? "read" : null), TimeSpan.FromSeconds(10), "the background key read");

        var pending = await HealthAsync(client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pending.Status);
        Assert.Equal("pending", pending.Body.GetProperty("checks").GetProperty("gatewaySigner").GetProperty("status").GetString());
        Assert.False(pending.Body.TryGetProperty("gatewaySigner", out _), "an address was reported before the key was read");
        var signer = Assert.IsType<DeferredDigestSigner>(_app.Services.GetRequiredService<IDigestSigner>());
        Assert.Equal(SignerState.Pending, signer.State);
        Assert.Equal(Vault + "/keys/gateway", signer.KeyId);

        _keyVault.Open(_ => KeyResponse(_privateKey));
        var ready = await TestStorage.EventuallyAsync(async () =>
        {
            var health = await HealthAsync(client);
            return health.Status == HttpStatusCode.OK ? health : null;
        }, TimeSpan.FromSeconds(20), "a healthy /health after the key read");
        Assert.Equal("ok", ready.Body.GetProperty("checks").GetProperty("gatewaySigner").GetProperty("status").GetString());
        Assert.Equal(Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(_privateKey)), ready.Body.GetProperty("gatewaySigner").GetProperty("address").GetString());
        Assert.Equal(SignerState.Ready, signer.State);
        Assert.Equal($"{Vault}/keys/gateway/{KeyVersion}", signer.KeyId);
        Assert.Equal(1, _keyVault.Requests); // the warm-up and the health checks shared one read
    }

    [Fact]
    public async Task A_refused_key_read_is_reported_by_health_as_failed_and_root_still_answers()
    {
        _keyVault.Open(_ => new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("""{"error":{"code":"Forbidden","message":"no get permission"}}""", Encoding.UTF8, "application/json"),
        });
        using var client = _app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        var health = await TestStorage.EventuallyAsync(async () =>
        {
            var h = await HealthAsync(client);
            return h.Body.GetProperty("checks").TryGetProperty("gatewaySigner", out var s) && s.GetProperty("status").GetString() == "failed" ? h : null;
        }, TimeSpan.FromSeconds(20), "a failed signer check");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.Equal("unhealthy", health.Body.GetProperty("status").GetString());
        Assert.False(health.Body.TryGetProperty("gatewaySigner", out _));
        Assert.Equal(SignerState.Failed, Assert.IsType<DeferredDigestSigner>(_app.Services.GetRequiredService<IDigestSigner>()).State);
    }

    private static async Task<Health> HealthAsync(HttpClient client)
    {
        var response = await client.GetAsync("/health");
        return new Health(response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private sealed record Health(HttpStatusCode Status, JsonElement Body);

    private static HttpResponseMessage KeyResponse(byte[] privateKey)
    {
        var publicKey = Secp256k1.PublicKeyFromPrivate(privateKey);
        var json = JsonSerializer.Serialize(new
        {
            key = new
            {
                kid = $"{Vault}/keys/gateway/{KeyVersion}",
                kty = "EC",
                crv = "P-256K",
                x = Base64Url(publicKey.AsSpan(1, 32)),
                y = Base64Url(publicKey.AsSpan(33, 32)),
            },
        });
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] NewKey()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            if (Secp256k1.IsValidPrivateKey(key))
            {
                return key;
            }
        }
    }

    /// <summary>The SDK client over the gated stand-in; the stand-in never challenges, so no token is ever asked for.</summary>
    private static KeyClientOptions KeyClientOptions(HttpMessageHandler handler)
    {
        var options = KeyVaultKeys.CreateOptions(TestStorage.SdkRetries);
        options.Transport = new HttpClientTransport(new HttpClient(handler));
        return options;
    }

    private sealed class UnusedCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the stand-in vault never challenges");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the stand-in vault never challenges");
    }
}

/// <summary>A Key Vault stand-in: every request waits until the test opens the gate, then gets the chosen answer.</summary>
internal sealed class GatedKeyVault : HttpMessageHandler
{
    private readonly TaskCompletionSource<Func<HttpRequestMessage, HttpResponseMessage>> _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    public void Open(Func<HttpRequestMessage, HttpResponseMessage> answer) => _gate.TrySetResult(answer);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var answer = await _gate.Task.WaitAsync(cancellationToken);
        return answer(request);
    }
}
