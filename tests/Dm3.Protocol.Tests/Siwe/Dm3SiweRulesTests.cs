using Dm3.Protocol.Crypto;
using Dm3.Protocol.Siwe;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Siwe;

/// <summary>dm3's strict/lenient EIP-4361 rules (linked-profiles §2, decisions §22) and the verifier's checks.</summary>
public sealed class Dm3SiweRulesTests
{
    private static readonly byte[] OwnerKey = Convert.FromHexString("dedb22b42648b86868415645ec9427d558a84cc89b30e0e01334c1a9e8c1f8ac");
    private static readonly byte[] Owner = Ethereum.AddressFromPrivateKey(OwnerKey);
    private static readonly DateTimeOffset IssuedAt = new(2025, 1, 15, 12, 1, 0, TimeSpan.Zero);

    private static SiweMessage OurFields(DateTimeOffset? expiration = null) => Dm3Siwe.Compose(
        "app.myapp.example", Owner, "Allow this app to manage your dm3 app profile for myapp.eth.", "https://app.myapp.example/messaging", 1,
        "a1b2c3d4e5f60718293a4b5c6d7e8f90", IssuedAt, expiration ?? IssuedAt.AddMinutes(5),
        ["urn:dm3:lsp:app:myapp.eth", "urn:dm3:lsp:scope:query"]);

    private static string OurText() => Dm3Siwe.FormatStrict(OurFields());

    private static SiweExpectations At(DateTimeOffset now) => new()
    {
        Now = now,
        Domain = "app.myapp.example",
        UriPrefixes = ["https://app.myapp.example"],
        ChainIds = [1],
        Nonce = "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        RequireExpirationTime = true,
        MaxValidity = TimeSpan.FromSeconds(600),
        MaxIssuedAtAge = TimeSpan.FromSeconds(600),
        MaxIssuedAtSkew = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public void Strict_format_writes_the_documented_layout()
    {
        Assert.Equal(
            "app.myapp.example wants you to sign in with your Ethereum account:\n0xBB547651D22162aEF60Da876b3943d5E07F03114\n\n"
            + "Allow this app to manage your dm3 app profile for myapp.eth.\n\nURI: https://app.myapp.example/messaging\nVersion: 1\nChain ID: 1\n"
            + "Nonce: a1b2c3d4e5f60718293a4b5c6d7e8f90\nIssued At: 2025-01-15T12:01:00Z\nExpiration Time: 2025-01-15T12:06:00Z\nResources:\n"
            + "- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:query",
            OurText());
    }

    [Theory]
    [InlineData("scheme", "https://app.myapp.example wants", "app.myapp.example wants", "siwe.layout_scheme")]
    [InlineData("millisecond timestamp", "2025-01-15T12:01:00.000Z", "2025-01-15T12:01:00Z", "siwe.layout_timestamp")]
    [InlineData("offset timestamp", "2025-01-15T13:01:00+01:00", "2025-01-15T12:01:00Z", "siwe.layout_timestamp")]
    [InlineData("upper-case nonce", "A1B2C3D4E5F60718293A4B5C6D7E8F90", "a1b2c3d4e5f60718293a4b5c6d7e8f90", "siwe.layout_nonce")]
    [InlineData("short nonce", "a1b2c3d4e5f6071829", "a1b2c3d4e5f60718293a4b5c6d7e8f90", "siwe.layout_nonce")]
    [InlineData("http uri", "URI: http://app.myapp.example/messaging", "URI: https://app.myapp.example/messaging", "siwe.layout_uri")]
    [InlineData("uri on another host", "URI: https://evil.example/messaging", "URI: https://app.myapp.example/messaging", "siwe.layout_uri_authority")]
    [InlineData("not before", "Expiration Time: 2025-01-15T12:06:00Z\nNot Before: 2025-01-15T12:01:00Z", "Expiration Time: 2025-01-15T12:06:00Z", "siwe.layout_optional_field")]
    [InlineData("request id", "Expiration Time: 2025-01-15T12:06:00Z\nRequest ID: r1", "Expiration Time: 2025-01-15T12:06:00Z", "siwe.layout_optional_field")]
    [InlineData("no statement", "\n\n\nURI:", "\n\nAllow this app to manage your dm3 app profile for myapp.eth.\n\nURI:", "siwe.layout_statement")]
    public void Strict_reader_rejects_layouts_we_never_write(string what, string replacement, string original, string code)
    {
        var text = OurText().Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(OurText(), text);
        Assert.True(SiweMessage.TryParse(text, out _, out var abnfError), what + ": " + abnfError?.Message);
        Assert.False(Dm3Siwe.TryParseStrict(text, out _, out var error), what);
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Lenient_reader_accepts_a_dapp_message_with_the_optional_ABNF_forms()
    {
        var text = "https://dapp.example wants you to sign in with your Ethereum account:\n0xBB547651D22162aEF60Da876b3943d5E07F03114\n\n\n"
            + "URI: https://dapp.example/login\nVersion: 1\nChain ID: 1\nNonce: a1b2c3d4e5f60718293a4b5c6d7e8f90\n"
            + "Issued At: 2025-01-15T12:01:00.123Z\nExpiration Time: 2025-01-15T13:05:00.000+01:00\nNot Before: 2025-01-15T12:01:00Z\n"
            + "Request ID: login-42\nResources:\n- https://dapp.example/terms\n- urn:dm3:lsp:app:myapp.eth\n- urn:dm3:lsp:scope:query";
        Assert.True(Dm3Siwe.TryParseLenient(text, out var m, out var error), error?.Message);
        Assert.Equal("https", m.Scheme);
        Assert.Null(m.Statement);
        Assert.Equal("2025-01-15T12:01:00.123Z", m.IssuedAt); // original text kept for the signature check
        Assert.Equal(new DateTimeOffset(2025, 1, 15, 12, 5, 0, TimeSpan.Zero), m.ExpirationInstant);
        Assert.Equal(text, m.Format());
        Assert.False(Dm3Siwe.TryParseStrict(text, out _, out _));
    }

    [Fact]
    public void Verify_accepts_our_signed_message_within_its_window()
    {
        var text = OurText();
        var signature = Ethereum.PersonalSign(OwnerKey, text);
        var result = SiweVerifier.Verify(text, signature, At(IssuedAt.AddSeconds(30)), SiweMode.Strict);
        Assert.True(result.IsValid, result.Error?.Message);
        Assert.Equal(Owner, result.Message!.AddressBytes);
    }

    [Theory]
    [InlineData(-120, "siwe.issued_in_future")]
    [InlineData(300, "siwe.expired")]
    [InlineData(301, "siwe.expired")]
    public void Verify_enforces_the_time_window(int secondsAfterIssue, string code)
    {
        var text = OurText();
        var result = SiweVerifier.Verify(text, Ethereum.PersonalSign(OwnerKey, text), At(IssuedAt.AddSeconds(secondsAfterIssue)), SiweMode.Strict);
        Assert.Equal(code, result.Error?.Code);
    }

    [Fact]
    public void Verify_rejects_a_validity_longer_than_allowed_and_a_missing_expiry()
    {
        var longText = Dm3Siwe.FormatStrict(OurFields(IssuedAt.AddMinutes(11)));
        Assert.Equal("siwe.validity_too_long",
            SiweVerifier.Verify(longText, Ethereum.PersonalSign(OwnerKey, longText), At(IssuedAt.AddSeconds(5)), SiweMode.Strict).Error?.Code);

        var noExpiry = Dm3Siwe.FormatStrict(OurFields() with { ExpirationTime = null });
        Assert.Equal("siwe.expiration_required",
            SiweVerifier.Verify(noExpiry, Ethereum.PersonalSign(OwnerKey, noExpiry), At(IssuedAt.AddSeconds(5)), SiweMode.Strict).Error?.Code);
    }

    [Fact]
    public void Verify_honours_not_before_in_lenient_mode()
    {
        var text = OurText().Replace("Resources:", "Not Before: 2025-01-15T12:03:00Z\nResources:", StringComparison.Ordinal);
        var signature = Ethereum.PersonalSign(OwnerKey, text);
        Assert.Equal("siwe.not_yet_valid", SiweVerifier.Verify(text, signature, At(IssuedAt.AddSeconds(60)), SiweMode.Lenient).Error?.Code);
        Assert.True(SiweVerifier.Verify(text, signature, At(IssuedAt.AddSeconds(180)), SiweMode.Lenient).IsValid);
    }

    [Fact]
    public void Verify_fails_closed_on_a_date_that_does_not_exist()
    {
        var fields = OurFields() with { ExpirationTime = "2025-02-30T12:06:00Z" };
        var text = fields.FormatUnchecked();
        var result = SiweVerifier.Verify(text, Ethereum.PersonalSign(OwnerKey, text), At(IssuedAt), SiweMode.Lenient);
        Assert.Equal("siwe.expiration_time_invalid", result.Error?.Code);
    }

    [Theory]
    [InlineData("domain", "siwe.domain_mismatch")]
    [InlineData("uri", "siwe.uri_not_allowed")]
    [InlineData("chain", "siwe.chain_id_not_allowed")]
    [InlineData("nonce", "siwe.nonce_mismatch")]
    [InlineData("address", "siwe.address_mismatch")]
    public void Verify_compares_every_expected_field(string field, string code)
    {
        var text = OurText();
        var expected = field switch
        {
            "domain" => At(IssuedAt) with { Domain = "other.example" },
            "uri" => At(IssuedAt) with { UriPrefixes = ["https://app.myapp.example/other"] },
            "chain" => At(IssuedAt) with { ChainIds = [10] },
            "nonce" => At(IssuedAt) with { Nonce = "00000000000000000000000000000000" },
            _ => At(IssuedAt) with { Address = new byte[20] },
        };
        Assert.Equal(code, SiweVerifier.Verify(text, Ethereum.PersonalSign(OwnerKey, text), expected, SiweMode.Strict).Error?.Code);
    }

    [Fact]
    public void Verify_rejects_a_signature_by_another_wallet_and_a_contract_wallet_suffix()
    {
        var text = OurText();
        var other = Ethereum.PersonalSign(Convert.FromHexString("1e605dc96f5004a7800e39a298af3ee0767b8d44aa4d4d7559d39a1650c6789b"), text);
        Assert.Equal("siwe.signature_mismatch", SiweVerifier.Verify(text, other, At(IssuedAt), SiweMode.Strict).Error?.Code);

        var erc6492 = Ethereum.PersonalSign(OwnerKey, text) + "6492649264926492649264926492649264926492649264926492649264926492";
        Assert.Equal("siwe.signature_contract_unsupported", SiweVerifier.Verify(text, erc6492, At(IssuedAt), SiweMode.Strict).Error?.Code);
        Assert.Equal("siwe.signature_malformed", SiweVerifier.Verify(text, "0x1234", At(IssuedAt), SiweMode.Strict).Error?.Code);
        Assert.Equal("siwe.signature_malformed", SiweVerifier.Verify(text, null, At(IssuedAt), SiweMode.Strict).Error?.Code);
    }

    private sealed class RecordingChecker : ISignatureChecker
    {
        public List<SignatureCheckRequest> Requests { get; } = [];

        public ValueTask<ProtocolError?> CheckAsync(SignatureCheckRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return ValueTask.FromResult<ProtocolError?>(request.SignatureHex == "0xc0ffee" ? null : new ProtocolError("test.rejected", "no"));
        }
    }

    [Fact]
    public async Task A_pluggable_signature_checker_receives_the_original_text_address_and_chain()
    {
        var checker = new RecordingChecker();
        var text = OurText();
        var result = await SiweVerifier.VerifyAsync(text, "0xc0ffee", At(IssuedAt), SiweMode.Strict, checker, CancellationToken.None);
        Assert.True(result.IsValid);
        var request = Assert.Single(checker.Requests);
        Assert.Equal(text, request.MessageText);
        Assert.Equal(Owner, request.Address20);
        Assert.Equal(1UL, request.ChainId);

        var rejected = await SiweVerifier.VerifyAsync(text, "0xbad", At(IssuedAt), SiweMode.Strict, checker, CancellationToken.None);
        Assert.Equal("test.rejected", rejected.Error?.Code);
    }

    [Theory]
    [InlineData("https://app.example/login", "https://app.example", true)]
    [InlineData("https://app.example", "https://app.example", true)]
    [InlineData("https://app.example?x=1", "https://app.example", true)]
    [InlineData("https://app.example.evil/login", "https://app.example", false)]
    [InlineData("https://app.example:8443/login", "https://app.example", false)]
    [InlineData("https://app.example/loginx", "https://app.example/login", false)]
    [InlineData("https://app.example/login/x", "https://app.example/login/", true)]
    [InlineData("https://app.example/login", "", false)]
    public void Uri_prefixes_match_only_at_a_boundary(string uri, string prefix, bool expected)
    {
        Assert.Equal(expected, SiweVerifier.UriHasPrefix(uri, prefix));
    }

    [Fact]
    public void New_nonces_have_our_format_and_differ()
    {
        var a = Dm3Siwe.NewNonce();
        var b = Dm3Siwe.NewNonce();
        Assert.True(Dm3Siwe.IsOurNonce(a));
        Assert.True(Dm3Siwe.IsOurNonce(b));
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData("2021-09-30T16:25:24Z", "2021-09-30T16:25:24+00:00")]
    [InlineData("2021-09-30t16:25:24.5z", "2021-09-30T16:25:24.5+00:00")]
    [InlineData("2021-09-30T16:25:24-02:00", "2021-09-30T18:25:24+00:00")]
    [InlineData("2024-02-29T23:59:59.123456789+05:30", "2024-02-29T18:29:59.1234567+00:00")]
    public void Rfc3339_reads_any_valid_date_time(string text, string expectedUtc)
    {
        Assert.True(Rfc3339.TryParse(text, out var v, out var e), e?.Message);
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), v);
    }

    [Fact]
    public void Formatting_and_parsing_round_trip_for_any_whole_second_instant()
    {
        var gen = Gen.Choose(0, int.MaxValue).Select(s => DateTimeOffset.FromUnixTimeSeconds(s));
        Prop.ForAll(gen.ToArbitrary(), instant =>
        {
            var text = Dm3Siwe.FormatTimestamp(instant);
            return Rfc3339.IsStrictUtcSeconds(text) && Rfc3339.TryParse(text, out var back, out _) && back == instant;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Sign_and_verify_round_trip_for_random_wallets()
    {
        var gen = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 32).Where(k => Secp256k1.IsValidPrivateKey(k));
        Prop.ForAll(gen.ToArbitrary(), key =>
        {
            var fields = OurFields() with { Address = Ethereum.ToChecksumAddress(Ethereum.AddressFromPrivateKey(key)) };
            var text = Dm3Siwe.FormatStrict(fields);
            return SiweVerifier.Verify(text, Ethereum.PersonalSign(key, text), At(IssuedAt) with { Address = null }, SiweMode.Strict).IsValid;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }
}
