using Dm3.Protocol.Ccip;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Tests.Abi;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Ccip;

public sealed class CcipSigningTests
{
    private static readonly byte[] Key = Hashes.Sha256("dm3-conformance/ccip-helper-test"u8);
    private static readonly byte[] Target = Hex.Decode("0x1111111111111111111111111111111111111111");

    [Fact]
    public void Signed_responses_recover_the_signer_for_both_families()
    {
        var gen = Gen.Zip(AbiGen.AnyBytes(200), Gen.Zip(AbiGen.AnyBytes(200), Gen.Choose(0, int.MaxValue)), (request, rest) => (request, rest.Item1, rest.Item2));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(50), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (request, result, expires) = t;
            foreach (var family in new[] { ResolverFamily.EnsOffchainResolver, ResolverFamily.Dm3Resolver })
            {
                var response = CcipSigning.SignResponseWithKey(Key, family, Target, (ulong)expires, request, result);
                if (!CcipSigning.TryDecodeResponseData(response.Data, out var data, out _)
                    || !CcipSigning.TryRecoverSigner(family, Target, request, data, out var signer, out _)
                    || !signer.AsSpan().SequenceEqual(Ethereum.AddressFromPrivateKey(Key))
                    || data.Signature.Length != 65)
                {
                    return false;
                }

                // The other family's verifier does not accept it (different digest).
                var other = family == ResolverFamily.Dm3Resolver ? ResolverFamily.EnsOffchainResolver : ResolverFamily.Dm3Resolver;
                if (CcipSigning.TryRecoverSigner(other, Target, request, data, out var wrong, out _)
                    && wrong.AsSpan().SequenceEqual(signer))
                {
                    return false;
                }
            }

            return true;
        }));
    }

    [Fact]
    public void Tampering_with_request_result_expiry_or_target_changes_the_recovered_signer()
    {
        var request = new byte[] { 1, 2, 3 };
        var result = new byte[] { 4, 5 };
        var response = CcipSigning.SignResponseWithKey(Key, ResolverFamily.EnsOffchainResolver, Target, 100, request, result);
        Assert.True(CcipSigning.TryDecodeResponseData(response.Data, out var data, out _));
        var expected = Ethereum.AddressFromPrivateKey(Key);

        Assert.False(Recovers(Target, [1, 2, 4], data, expected));
        Assert.False(Recovers(Target, request, data with { Result = [4, 6] }, expected));
        Assert.False(Recovers(Target, request, data with { Expires = 101 }, expected));
        Assert.False(Recovers(Hex.Decode("0x2222222222222222222222222222222222222222"), request, data, expected));
        Assert.True(Recovers(Target, request, data, expected));
    }

    [Fact]
    public void Response_assembly_refuses_signatures_that_are_not_65_bytes_with_v_27_or_28()
    {
        Assert.Throws<ArgumentException>(() => CcipSigning.EncodeResponseData([], 1, new byte[64]));
        var sig = new byte[65];
        sig[64] = 1;
        Assert.Throws<ArgumentException>(() => CcipSigning.EncodeResponseData([], 1, sig));
        sig[64] = 27;
        Assert.NotEmpty(CcipSigning.EncodeResponseData([], 1, sig));
    }

    [Fact]
    public void Response_data_decoder_rejects_garbage_without_throwing()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(AbiGen.AnyBytes(400).ToArbitrary(), bytes =>
            CcipSigning.TryDecodeResponseData(bytes, out var d, out var e) ? d is not null : e is not null));
    }

    [Fact]
    public void Expiry_is_now_plus_ttl_in_whole_seconds()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_736_942_400_900);
        Assert.Equal(1_736_942_700UL, CcipSigning.ExpiresAt(now, TimeSpan.FromSeconds(300)));
    }

    [Fact]
    public void Dm3_digest_is_personal_sign_of_the_32_hash_bytes()
    {
        var hash = Hashes.Keccak256("x"u8);
        Assert.Equal(Ethereum.PersonalMessageDigest(hash), CcipSigning.Dm3PrefixedDigest(hash));
    }

    private static bool Recovers(byte[] target, byte[] request, CcipResponseData data, byte[] expected) =>
        CcipSigning.TryRecoverSigner(ResolverFamily.EnsOffchainResolver, target, request, data, out var signer, out _)
        && signer.AsSpan().SequenceEqual(expected);
}
