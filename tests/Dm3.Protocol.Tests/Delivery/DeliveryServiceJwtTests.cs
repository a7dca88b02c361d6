using System.Security.Cryptography;
using System.Text;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Crypto.Providers;
using Dm3.Protocol.Delivery;
using Dm3.Protocol.Sodium;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Delivery;

public abstract class DeliveryServiceJwtTests(ICryptoProvider provider) : ProviderScopedTests(provider)
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("deliveryServiceAuth");

    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private const long Now = 1736942400;

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Delivery_service_auth_vector_is_reproduced(string id)
    {
        var v = SharedData.Vector("deliveryServiceAuth", id);
        var dsKey = v.B64Bytes("inputs.dsSigningPrivateKey64B64");
        var account = v.Str("inputs.ensNameText");
        var now = long.Parse(v.Str("inputs.nowUnixMsText"), System.Globalization.CultureInfo.InvariantCulture) / 1000;

        Assert.Equal(v.Str("expected.serverSecretText"), ReferenceSecretDerivation.SecretText(dsKey));
        var hmacKey = ReferenceSecretDerivation.HmacKey(dsKey);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(v.Str("expected.serverSecretText")), hmacKey);

        var challenge = DeliveryServiceJwt.CreateChallenge(hmacKey, account, v.Str("inputs.challengeUuidText"), now);
        Assert.Equal(v.Str("expected.challengeJwtText"), challenge);
        Assert.Equal(v.Str("expected.challengeJwtHeaderJson"), Decode(challenge, 0));
        Assert.Equal(v.Str("expected.challengeJwtPayloadJson"), Decode(challenge, 1));
        Assert.True(DeliveryServiceJwt.TryVerifyChallenge(hmacKey, challenge, now, out var claims, out var error), error?.Message);
        Assert.Equal(new ChallengeClaims(account, v.Str("inputs.challengeUuidText"), now, now, now + 900), claims);

        // The client's answer: Ed25519 over the whole challenge JWT text.
        var signature = Ed25519.SignText(v.B64Bytes("inputs.userEd25519PrivateKey64B64"), challenge);
        Assert.Equal(v.Str("expected.challengeSignatureB64"), signature);
        Assert.True(Ed25519.VerifyText(v.B64Bytes("inputs.userEd25519PublicKeyB64"), challenge, signature));

        var auth = DeliveryServiceJwt.CreateAuthToken(hmacKey, account, now);
        Assert.Equal(v.Str("expected.authJwtText"), auth);
        Assert.Equal(v.Str("expected.authJwtPayloadJson"), Decode(auth, 1));
        Assert.True(DeliveryServiceJwt.TryVerifyAuthToken(hmacKey, auth, now, out var authClaims, out error), error?.Message);
        Assert.Equal(new AuthClaims(account, now, now, now + 3600), authClaims);
    }

    [Fact]
    public void Tokens_expire_at_exp_without_skew()
    {
        var token = DeliveryServiceJwt.CreateAuthToken(Key, "alice.eth", Now);
        Assert.True(DeliveryServiceJwt.TryVerifyAuthToken(Key, token, Now + 3599, out _, out _));
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, token, Now + 3600, out _, out var error));
        Assert.Equal("jwt.expired", error.Code);
        var challenge = DeliveryServiceJwt.CreateChallenge(Key, "alice.eth", "c", Now);
        Assert.False(DeliveryServiceJwt.TryVerifyChallenge(Key, challenge, Now + 900, out _, out error));
        Assert.Equal("jwt.expired", error.Code);
    }

    [Fact]
    public void Tokens_from_the_future_are_accepted_only_within_sixty_seconds_of_skew()
    {
        var token = DeliveryServiceJwt.CreateAuthToken(Key, "alice.eth", Now);
        Assert.True(DeliveryServiceJwt.TryVerifyAuthToken(Key, token, Now - 60, out _, out _));
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, token, Now - 61, out _, out var error));
        Assert.Equal("jwt.not_yet_valid", error.Code);
    }

    [Fact]
    public void Verification_rejects_another_key_and_tampered_tokens()
    {
        var token = DeliveryServiceJwt.CreateAuthToken(Key, "alice.eth", Now);
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(RandomNumberGenerator.GetBytes(32), token, Now, out _, out var error));
        Assert.Equal("jwt.bad_signature", error.Code);

        var parts = token.Split('.');
        var forgedPayload = DeliveryServiceJwt.Base64Url(System.Text.Encoding.UTF8.GetBytes("{\"account\":\"mallory.eth\",\"iat\":1736942400,\"nbf\":1736942400,\"exp\":1736946000}"));
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, $"{parts[0]}.{forgedPayload}.{parts[2]}", Now, out _, out error));
        Assert.Equal("jwt.bad_signature", error.Code);
    }

    [Fact]
    public void Verification_rejects_algorithms_other_than_hs256()
    {
        var payload = DeliveryServiceJwt.Base64Url(System.Text.Encoding.UTF8.GetBytes("{\"account\":\"a\",\"iat\":1736942400,\"nbf\":1736942400,\"exp\":1736946000}"));
        var none = DeliveryServiceJwt.Base64Url(System.Text.Encoding.UTF8.GetBytes("{\"alg\":\"none\",\"typ\":\"JWT\"}"));
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, $"{none}.{payload}.", Now, out _, out var error));
        Assert.Equal("jwt.bad_algorithm", error.Code);

        var hs512 = DeliveryServiceJwt.Base64Url(System.Text.Encoding.UTF8.GetBytes("{\"alg\":\"HS512\"}"));
        var mac = DeliveryServiceJwt.Base64Url(HMACSHA512.HashData(Key, System.Text.Encoding.ASCII.GetBytes($"{hs512}.{payload}")));
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, $"{hs512}.{payload}.{mac}", Now, out _, out error));
        Assert.Equal("jwt.bad_algorithm", error.Code);
    }

    [Fact]
    public void Verification_requires_exact_member_sets()
    {
        var challenge = DeliveryServiceJwt.CreateChallenge(Key, "alice.eth", "c", Now);
        var auth = DeliveryServiceJwt.CreateAuthToken(Key, "alice.eth", Now);
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, challenge, Now, out _, out var error));
        Assert.Equal("jwt.bad_claims", error.Code);
        Assert.False(DeliveryServiceJwt.TryVerifyChallenge(Key, auth, Now, out _, out error));
        Assert.Equal("jwt.bad_claims", error.Code);

        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, Forge("{\"account\":\"a\",\"iat\":1736942400,\"nbf\":1736942400,\"exp\":1736946000,\"admin\":true}"), Now, out _, out error));
        Assert.Equal("jwt.bad_claims", error.Code);
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, Forge("{\"account\":\"a\",\"iat\":\"1736942400\",\"nbf\":1736942400,\"exp\":1736946000}"), Now, out _, out error));
        Assert.Equal("jwt.bad_claims", error.Code);
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, Forge("{\"account\":5,\"iat\":1736942400,\"nbf\":1736942400,\"exp\":1736946000}"), Now, out _, out error));
        Assert.Equal("jwt.bad_claims", error.Code);
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, Forge("{\"account\":\"a\",\"account\":\"b\",\"iat\":1736942400,\"nbf\":1736942400,\"exp\":1736946000}"), Now, out _, out error));
        Assert.Equal("jwt.malformed", error.Code);
    }

    [Fact]
    public void A_validly_signed_token_is_bounded_by_the_lifetime_we_issue()
    {
        Assert.True(DeliveryServiceJwt.TryVerifyAuthToken(Key, DeliveryServiceJwt.CreateAuthToken(Key, "alice.eth", Now, 60), Now, out _, out _));
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, DeliveryServiceJwt.CreateAuthToken(Key, "alice.eth", Now, 3601), Now, out _, out var error));
        Assert.Equal("jwt.bad_lifetime", error.Code);
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, Forge("{\"account\":\"a\",\"iat\":1736942460,\"nbf\":1736942400,\"exp\":1736942460}"), Now, out _, out error));
        Assert.Equal("jwt.bad_lifetime", error.Code);
        Assert.False(DeliveryServiceJwt.TryVerifyChallenge(Key, Forge("{\"account\":\"a\",\"challenge\":\"c\",\"iat\":1736942400,\"nbf\":1736942400,\"exp\":1736943301}"), Now, out _, out error));
        Assert.Equal("jwt.bad_lifetime", error.Code);
        Assert.True(DeliveryServiceJwt.TryVerifyChallenge(Key, Forge("{\"account\":\"a\",\"challenge\":\"c\",\"iat\":1736942400,\"nbf\":1736942400,\"exp\":1736943300}"), Now, out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("e30.e30.!!")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9=.e30.AAAA")]
    [InlineData("bm90IGpzb24.e30.AAAA")]
    public void Verification_returns_malformed_for_garbage(string token)
    {
        Assert.False(DeliveryServiceJwt.TryVerifyAuthToken(Key, token, Now, out _, out var error));
        Assert.Equal("jwt.malformed", error.Code);
    }

    private static string Forge(string payloadJson)
    {
        var header = DeliveryServiceJwt.Base64Url(System.Text.Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
        var payload = DeliveryServiceJwt.Base64Url(System.Text.Encoding.UTF8.GetBytes(payloadJson));
        var mac = DeliveryServiceJwt.Base64Url(HMACSHA256.HashData(Key, System.Text.Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{mac}";
    }

    private static string Decode(string token, int part)
    {
        Assert.True(DeliveryServiceJwt.TryBase64UrlDecode(token.Split('.')[part], out var bytes));
        return System.Text.Encoding.UTF8.GetString(bytes);
    }
}

public sealed class DeliveryServiceJwtTestsOnBouncyCastle() : DeliveryServiceJwtTests(BouncyCastleCryptoProvider.Instance);

public sealed class DeliveryServiceJwtTestsOnLibsodium() : DeliveryServiceJwtTests(SodiumCryptoProvider.Instance);
