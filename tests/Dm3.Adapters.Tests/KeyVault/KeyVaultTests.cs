using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Azure.Security.KeyVault.Keys;
using Dm3.Adapters.Http;
using Dm3.Adapters.KeyVault;
using Dm3.Adapters.Sdk;
using Dm3.Adapters.Tests.Support;
using Dm3.Backend.Signing;
using Dm3.Protocol.Crypto;
using Org.BouncyCastle.Math;

namespace Dm3.Adapters.Tests.KeyVault;

/// <summary>
/// The Key Vault signer and key wrapper on the SDK (KeyClient / CryptographyClient) against a loopback TLS vault that
/// enforces the service's contract: challenge-based bearer auth, api-version, versioned kids, high-s ES256K signatures.
/// </summary>
public sealed class KeyVaultTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly AdapterRetry Fast = new() { MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), AttemptTimeout = TimeSpan.FromSeconds(10) };
    private readonly FakeTokenCredential _credential = new(TimeSpan.FromHours(1));
    private FakeKeyVault _vault = null!;
    private KeyClient _client = null!;

    public async Task InitializeAsync()
    {
        _vault = await FakeKeyVault.StartAsync();
        _vault.ExpectedToken = "fake-token-1";
        _client = NewClient(_credential);
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    private KeyClient NewClient(Azure.Core.TokenCredential credential, bool verifyChallengeResource = false)
    {
        var options = KeyVaultKeys.CreateOptions(Fast, disableChallengeResourceVerification: !verifyChallengeResource);
        options.Transport = LoopbackServer.CreateTransport();
        return new KeyClient(_vault.VaultUri, credential, options);
    }

    private int Count(string method, string suffix) =>
        _vault.Requests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal) && r.Contains(suffix + "?api-version=7.6", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task Signer_answers_the_challenge_reads_the_public_key_and_derives_the_address()
    {
        var privateKey = _vault.AddEcKey("ds-signer");
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct);

        Assert.Equal(Ethereum.AddressFromPublicKey(FakeKeyVault.PublicKey65(privateKey)), signer.Address.ToArray());
        Assert.Matches("^https://127\\.0\\.0\\.1:\\d+/keys/ds-signer/[0-9a-f]{32}$", signer.KeyId);
        Assert.Equal(["https://vault.azure.net/.default"], _credential.Scopes.Distinct());

        for (var i = 0; i < 4; i++)
        {
            await signer.SignDigestAsync(RandomNumberGenerator.GetBytes(32), Ct);
        }
        // Our read, and at most one more by the CryptographyClient (it checks whether it could work locally); never one per signature.
        Assert.InRange(_vault.Requests.Count(r => r.StartsWith("GET ", StringComparison.Ordinal)), 1, 2);
        Assert.Equal(4, Count("POST", "/sign"));
        Assert.Equal(1, _credential.Issued);
        Assert.Equal(1, _vault.Challenges);
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
        Assert.Equal(1, Count("POST", signer.KeyId[signer.KeyId.IndexOf("/keys/", StringComparison.Ordinal)..] + "/sign"));
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
        Assert.Equal(256, wrapped.Ciphertext.Length); // RSA-2048 in the fake: one OAEP block

        _vault.AddRsaKey("escrow"); // rotation: a new latest version
        Assert.Equal(dataKey, await wrapper.UnwrapAsync(wrapped, Ct));
        Assert.Equal(1, Count("POST", "/keys/escrow/" + wrapped.KeyId[^32..] + "/unwrapkey"));

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
        var before = _vault.Requests.Count;
        await Assert.ThrowsAsync<ArgumentException>(() => wrapper.UnwrapAsync(wrapped with { KeyId = "https://evil.example/keys/escrow/" + wrapped.KeyId[^32..] }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => wrapper.UnwrapAsync(wrapped with { KeyId = wrapped.KeyId.Replace("escrow", "other", StringComparison.Ordinal) }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => wrapper.UnwrapAsync(wrapped with { KeyId = new Uri(_vault.VaultUri, "keys/escrow").AbsoluteUri }, Ct));
        Assert.Equal(before, _vault.Requests.Count);
    }

    [Fact]
    public async Task A_token_the_vault_refuses_is_401_and_not_retried()
    {
        _vault.AddEcKey("ds-signer");
        _vault.ExpectedToken = "some-other-token";
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.Equal("Unauthorized", ex.ErrorCode);
        Assert.Equal(2, _vault.Challenges); // the challenge, then the one attempt with the refused token
        Assert.Empty(_vault.Requests);
        Assert.DoesNotContain("fake-token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Challenge_resource_verification_is_on_by_default()
    {
        // A production client refuses a challenge whose resource is not the vault's domain (here: a loopback vault).
        _vault.AddEcKey("ds-signer");
        var strict = NewClient(_credential, verifyChallengeResource: true);
        await Assert.ThrowsAnyAsync<Exception>(() => KeyVaultDigestSigner.CreateAsync(strict, "ds-signer", null, Ct));
        Assert.Equal(0, _credential.Issued);
        Assert.Empty(_vault.Requests);
    }

    [Fact]
    public async Task A_missing_key_is_key_not_found()
    {
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => KeyVaultDigestSigner.CreateAsync(_client, "nope", null, Ct));
        Assert.Equal(HttpStatusCode.NotFound, ex.Status);
        Assert.Equal("KeyNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task Throttling_429_waits_for_retry_after_then_succeeds()
    {
        _vault.AddEcKey("ds-signer");
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct);
        await signer.SignDigestAsync(RandomNumberGenerator.GetBytes(32), Ct); // the CryptographyClient's own set-up is done
        _vault.ThrottleNext = 1;
        var before = _vault.Requests.Count;
        var watch = Stopwatch.StartNew();
        var signature = await signer.SignDigestAsync(RandomNumberGenerator.GetBytes(32), Ct);
        Assert.Equal(65, signature.Length);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), $"retried after {watch.Elapsed}");
        Assert.Equal(2, _vault.Requests.Count - before);
    }

    [Fact]
    public async Task Digest_length_and_key_names_are_checked_before_any_request()
    {
        _vault.AddEcKey("ds-signer");
        var signer = await KeyVaultDigestSigner.CreateAsync(_client, "ds-signer", null, Ct);
        var before = _vault.Requests.Count;
        await Assert.ThrowsAsync<ArgumentException>(() => signer.SignDigestAsync(new byte[31], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => KeyVaultDigestSigner.CreateAsync(_client, "bad/name", null, Ct));
        Assert.Equal(before, _vault.Requests.Count);
    }

    [Theory]
    [InlineData("https://v.vault.azure.net/keys/k", "k", null)]
    [InlineData("https://v.vault.azure.net/keys/k/0123abcd", "k", "0123abcd")]
    [InlineData("https://V.VAULT.AZURE.NET/keys/k/", "k", null)]
    public void Key_ids_of_the_vault_parse_into_name_and_version(string keyId, string name, string? version)
    {
        Assert.True(KeyVaultKeys.TryParseKeyId(new Uri("https://v.vault.azure.net"), keyId, out var parsedName, out var parsedVersion));
        Assert.Equal(name, parsedName);
        Assert.Equal(version, parsedVersion);
    }

    [Theory]
    [InlineData("https://other.vault.azure.net/keys/k")]
    [InlineData("https://v.vault.azure.net/secrets/k")]
    [InlineData("https://v.vault.azure.net/keys/k/v/extra")]
    [InlineData("https://v.vault.azure.net/keys/k_underscore")]
    [InlineData("not a uri")]
    public void Other_key_ids_are_refused(string keyId)
    {
        Assert.False(KeyVaultKeys.TryParseKeyId(new Uri("https://v.vault.azure.net"), keyId, out _, out _));
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
