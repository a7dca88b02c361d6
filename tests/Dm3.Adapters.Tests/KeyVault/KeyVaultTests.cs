using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Http;
using Dm3.Adapters.KeyVault;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;
using Org.BouncyCastle.Math;

namespace Dm3.Adapters.Tests.KeyVault;

public sealed class KeyVaultTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };
    private readonly HttpClient _http = new();
    private readonly FakeTokenCredential _credential = new(TimeSpan.FromHours(1));
    private FakeKeyVault _vault = null!;
    private KeyVaultClient _client = null!;

    public async Task InitializeAsync()
    {
        _vault = await FakeKeyVault.StartAsync();
        _vault.ExpectedToken = "fake-token-1";
        _client = new KeyVaultClient(_http, KeyVaultOptions.WithCredential(_vault.VaultUri, _credential) with { Resilience = Fast });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _vault.DisposeAsync();
    }

    [Fact]
    public async Task Signer_reads_the_public_key_once_and_derives_the_address()
    {
        var privateKey = _vault.AddEcKey("ds-signer");
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct);

        Assert.Equal(Ethereum.AddressFromPublicKey(FakeKeyVault.PublicKey65(privateKey)), signer.Address.ToArray());
        Assert.Matches("^http://127\\.0\\.0\\.1:\\d+/keys/ds-signer/[0-9a-f]{32}$", signer.KeyId);
        Assert.Equal(["https://vault.azure.net/.default"], _credential.Scopes);

        for (var i = 0; i < 4; i++)
        {
            await signer.SignDigestAsync(RandomNumberGenerator.GetBytes(32), Ct);
        }
        Assert.Single(_vault.Requests, r => r.StartsWith("GET ", StringComparison.Ordinal));
        Assert.Equal(4, _vault.Requests.Count(r => r.Contains("/sign?api-version=7.5", StringComparison.Ordinal)));
        Assert.Equal(1, _credential.Issued);
    }

    [Fact]
    public async Task Signatures_are_low_s_with_a_recovery_id_even_when_the_vault_returns_high_s()
    {
        var privateKey = _vault.AddEcKey("ds-signer");
        var publicKey = FakeKeyVault.PublicKey65(privateKey);
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct);
        var halfN = FakeKeyVault.N.ShiftRight(1);

        for (var i = 0; i < 6; i++)
        {
            var digest = Hashes.Keccak256(RandomNumberGenerator.GetBytes(40));
            var signature = await signer.SignDigestAsync(digest, Ct);

            Assert.Equal(65, signature.Length);
            Assert.Contains(signature[64], new byte[] { 27, 28 });
            Assert.True(new BigInteger(1, signature[32..64]).CompareTo(halfN) <= 0, "s must be low");
            Assert.True(FakeKeyVault.Verify(publicKey, digest, signature[..32], signature[32..64]));
            Assert.True(Secp256k1.TryRecover(digest, signature, out var recovered, out var error), error?.Message);
            Assert.Equal(publicKey, recovered);
        }
        Assert.True(_vault.HighSReturned >= 3, "the fake must have returned high-s signatures");
    }

    [Fact]
    public async Task Coordinates_with_leading_zero_bytes_are_left_padded()
    {
        byte[] privateKey;
        do
        {
            privateKey = FakeKeyVault.RandomScalar();
        }
        while (FakeKeyVault.PublicKey65(privateKey)[1] != 0);
        _vault.AddEcKey("short-x", privateKey);

        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "short-x", null, Ct);
        Assert.Equal(Ethereum.AddressFromPrivateKey(privateKey), signer.Address.ToArray());
        var digest = RandomNumberGenerator.GetBytes(32);
        var signature = await signer.SignDigestAsync(digest, Ct);
        Assert.True(Secp256k1.TryRecover(digest, signature, out var recovered, out _));
        Assert.Equal(FakeKeyVault.PublicKey65(privateKey), recovered);
    }

    [Fact]
    public async Task Signer_pins_the_version_it_read()
    {
        var first = _vault.AddEcKey("rotating");
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "rotating", null, Ct);
        _vault.AddEcKey("rotating");
        var digest = RandomNumberGenerator.GetBytes(32);
        var signature = await signer.SignDigestAsync(digest, Ct);
        Assert.True(Secp256k1.TryRecover(digest, signature, out var recovered, out _));
        Assert.Equal(FakeKeyVault.PublicKey65(first), recovered);
    }

    [Fact]
    public async Task An_rsa_key_is_refused_as_a_signer()
    {
        _vault.AddRsaKey("escrow");
        await Assert.ThrowsAsync<InvalidOperationException>(() => KeyVaultDigestSigner.CreateAsync(_client, "escrow", null, Ct));
    }

    [Fact]
    public async Task Wrap_stores_the_versioned_kid_and_unwrap_uses_it_after_rotation()
    {
        _vault.AddRsaKey("escrow");
        var wrapper = new KeyVaultKeyWrapper(_client, "escrow");
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var wrapped = await wrapper.WrapAsync(dataKey, Ct);
        Assert.Matches("/keys/escrow/[0-9a-f]{32}$", wrapped.KeyId);
        Assert.NotEqual(dataKey, wrapped.Ciphertext);

        _vault.AddRsaKey("escrow"); // rotation: a new latest version
        Assert.Equal(dataKey, await wrapper.UnwrapAsync(wrapped, Ct));
        Assert.Contains(_vault.Requests, r => r.StartsWith("POST /keys/escrow/" + wrapped.KeyId[^32..] + "/unwrapkey?api-version=7.5", StringComparison.Ordinal));

        // A new wrapper (e.g. after a restart) picks up the new latest version; the old ciphertext still unwraps.
        var restarted = new KeyVaultKeyWrapper(_client, "escrow");
        var rewrapped = await restarted.WrapAsync(dataKey, Ct);
        Assert.NotEqual(wrapped.KeyId, rewrapped.KeyId);
        Assert.Equal(dataKey, await restarted.UnwrapAsync(rewrapped, Ct));
        Assert.Equal(dataKey, await restarted.UnwrapAsync(wrapped, Ct));
    }

    [Fact]
    public async Task Unwrap_refuses_a_kid_of_another_key_or_vault()
    {
        _vault.AddRsaKey("escrow");
        var wrapper = new KeyVaultKeyWrapper(_client, "escrow");
        var wrapped = await wrapper.WrapAsync(new byte[] { 1, 2, 3 }, Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => wrapper.UnwrapAsync(wrapped with { KeyId = "https://evil.example/keys/escrow/" + wrapped.KeyId[^32..] }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => wrapper.UnwrapAsync(wrapped with { KeyId = wrapped.KeyId.Replace("escrow", "other", StringComparison.Ordinal) }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => wrapper.UnwrapAsync(wrapped with { KeyId = new Uri(_vault.VaultUri, "keys/escrow").AbsoluteUri }, Ct));
    }

    [Fact]
    public async Task A_request_without_a_bearer_token_is_401_and_not_retried()
    {
        _vault.AddEcKey("ds-signer");
        var unauthenticated = new KeyVaultClient(_http, new KeyVaultOptions(_vault.VaultUri, new NoAuthorization()) { Resilience = Fast });
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => unauthenticated.GetKeyAsync("ds-signer", null, Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.Equal("Unauthorized", ex.ErrorCode);
        Assert.Single(_vault.Requests);
    }

    [Fact]
    public async Task A_missing_key_is_key_not_found()
    {
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => _client.GetKeyAsync("nope", null, Ct));
        Assert.Equal(HttpStatusCode.NotFound, ex.Status);
        Assert.Equal("KeyNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task Throttling_429_waits_for_retry_after_then_succeeds()
    {
        _vault.AddEcKey("ds-signer");
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct);
        _vault.ThrottleNext = 1;
        var before = _vault.Requests.Count;
        var watch = Stopwatch.StartNew();
        var signature = await signer.SignDigestAsync(RandomNumberGenerator.GetBytes(32), Ct);
        Assert.Equal(65, signature.Length);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {watch.Elapsed}");
        Assert.Equal(2, _vault.Requests.Count - before);
    }

    [Fact]
    public async Task Digest_length_is_checked_before_any_request()
    {
        _vault.AddEcKey("ds-signer");
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct);
        var before = _vault.Requests.Count;
        await Assert.ThrowsAsync<ArgumentException>(() => signer.SignDigestAsync(new byte[31], Ct));
        Assert.Equal(before, _vault.Requests.Count);
    }

    private sealed class NoAuthorization : IRequestAuthorizer
    {
        public ValueTask AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

public sealed class LocalKeyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dm3-adapters-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Local_signer_from_hex_signs_recoverable_low_s_signatures()
    {
        var privateKey = FakeKeyVault.RandomScalar();
        IDigestSigner signer = LocalDigestSigner.FromHex("0x" + Convert.ToHexString(privateKey));
        Assert.Equal(Ethereum.AddressFromPrivateKey(privateKey), signer.Address.ToArray());
        Assert.Equal("local:" + Ethereum.ToLowerAddress(Ethereum.AddressFromPrivateKey(privateKey)), signer.KeyId);

        var digest = RandomNumberGenerator.GetBytes(32);
        var signature = await signer.SignDigestAsync(digest, CancellationToken.None);
        Assert.True(Secp256k1.TryRecover(digest, signature, out var recovered, out _));
        Assert.Equal(FakeKeyVault.PublicKey65(privateKey), recovered);
        Assert.True(FakeKeyVault.Verify(recovered, digest, signature[..32], signature[32..64]));
        Assert.DoesNotContain(Convert.ToHexString(privateKey), signer.ToString()!, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x1234")]
    [InlineData("zz")]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000000")]
    public void Local_signer_rejects_bad_keys(string hex)
    {
        Assert.ThrowsAny<Exception>(() => LocalDigestSigner.FromHex(hex));
    }

    [Fact]
    public void Local_signer_generates_the_dev_key_file_once()
    {
        var path = Path.Combine(_dir, "keys", "signer.hex");
        var first = LocalDigestSigner.LoadOrCreate(path);
        var second = LocalDigestSigner.LoadOrCreate(path);
        Assert.True(File.Exists(path));
        Assert.Equal(first.Address.ToArray(), second.Address.ToArray());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task Local_wrapper_round_trips_and_persists_its_rsa_3072_key()
    {
        var path = Path.Combine(_dir, "escrow.pem");
        using var wrapper = LocalKeyWrapper.LoadOrCreate(path);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var wrapped = await wrapper.WrapAsync(dataKey, CancellationToken.None);
        Assert.Equal(384, wrapped.Ciphertext.Length);
        Assert.StartsWith("local:rsa:", wrapped.KeyId, StringComparison.Ordinal);

        using var reloaded = LocalKeyWrapper.LoadOrCreate(path);
        Assert.Equal(wrapper.KeyId, reloaded.KeyId);
        Assert.Equal(dataKey, await reloaded.UnwrapAsync(wrapped, CancellationToken.None));

        using var other = new LocalKeyWrapper(RSA.Create(2048));
        await Assert.ThrowsAsync<CryptographicException>(() => other.UnwrapAsync(wrapped, CancellationToken.None));
    }
}
