using System.Text;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;
using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Ens;

public sealed class EnsNamesTests
{
    private static readonly Config Thousand = Config.QuickThrowOnFailure.WithMaxTest(1000);

    private static Gen<string> Label(int maxLength) =>
        Gen.Choose(1, maxLength).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-".ToCharArray()), n))
            .Select(chars => new string(chars))
            .Where(l => !(l.Length >= 4 && l[2] == '-' && l[3] == '-'));

    /// <summary>Valid names (backend alphabet), including long labels and names near the 253-byte limit.</summary>
    internal static Gen<string> ValidNames { get; } =
        Gen.Choose(1, 8).SelectMany(count => Gen.ArrayOf(Label(63), count))
            .Select(labels => string.Join('.', labels))
            .Where(n => n.Length <= EnsNameRules.MaxNameBytes);

    /// <summary>Names with arbitrary Unicode labels (DNS layer only cares about byte lengths).</summary>
    private static Gen<string> UnicodeNames { get; } =
        Gen.Choose(1, 5).SelectMany(count => Gen.ArrayOf(
                Gen.Choose(1, 20).SelectMany(len => Gen.ArrayOf(Gen.Elements("aZ9-_ü€世😀 x".EnumerateRunes().Select(r => r.ToString()).ToArray()), len))
                    .Select(parts => string.Concat(parts)),
                count))
            .Select(labels => string.Join('.', labels))
            .Where(n => EnsNames.Labels(n).All(l => System.Text.Encoding.UTF8.GetByteCount(l) <= 63) && System.Text.Encoding.UTF8.GetByteCount(n) + 2 <= 255);

    [Fact]
    public void Namehash_of_root_is_zero_and_follows_the_recursive_definition()
    {
        Assert.Equal(new byte[32], EnsNames.Namehash(string.Empty));
        var eth = Hashes.Keccak256([.. new byte[32], .. Hashes.Keccak256("eth"u8)]);
        Assert.Equal(eth, EnsNames.Namehash("eth"));
        var alice = Hashes.Keccak256([.. eth, .. Hashes.Keccak256("alice"u8)]);
        Assert.Equal(alice, EnsNames.Namehash("alice.eth"));
    }

    [Fact]
    public void Namehash_refuses_a_name_with_an_empty_label()
    {
        Assert.Throws<ArgumentException>(() => EnsNames.Namehash("a..eth"));
        Assert.Throws<ArgumentException>(() => EnsNames.Namehash(".eth"));
    }

    [Fact]
    public void Dns_round_trip_holds_for_random_valid_names()
    {
        Check.One(Thousand, Prop.ForAll(ValidNames.ToArbitrary(), name =>
            EnsNames.TryDnsEncode(name, out var dns, out _)
            && dns.Length == name.Length + 2
            && EnsNames.TryDnsDecode(dns, out var back, out _)
            && back == name));
    }

    [Fact]
    public void Dns_round_trip_holds_for_unicode_labels()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(UnicodeNames.ToArbitrary(), name =>
            EnsNames.TryDnsEncode(name, out var dns, out _)
            && EnsNames.TryDnsDecode(dns, out var back, out _)
            && back == name));
    }

    [Fact]
    public void Dns_decoder_never_throws_on_random_bytes()
    {
        var gen = Gen.Choose(0, 300).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n));
        Check.One(Thousand, Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var ok = EnsNames.TryDnsDecode(bytes, out var name, out var error);
            return ok ? name is not null && error is null : name is null && error is not null;
        }));
    }

    [Fact]
    public void Dns_decoder_accepts_a_label_of_63_bytes_and_rejects_64()
    {
        var ok = Dns(new string('a', 63), "eth");
        Assert.True(EnsNames.TryDnsDecode(ok, out var name, out _));
        Assert.Equal(new string('a', 63) + ".eth", name);

        var bad = Dns(new string('a', 64), "eth");
        Assert.False(EnsNames.TryDnsDecode(bad, out _, out var error));
        Assert.Equal("ens.dns.label_too_long", error.Code);

        Assert.False(EnsNames.TryDnsEncode(new string('a', 64) + ".eth", out _, out error));
        Assert.Equal("ens.dns.label_too_long", error.Code);
    }

    [Fact]
    public void Dns_decoder_accepts_255_bytes_and_rejects_256()
    {
        // 4 labels of 63 bytes = 256 bytes with terminator; 3×63 + 61 = 254 + 1 = 255.
        var fits = Dns(new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));
        Assert.Equal(255, fits.Length);
        Assert.True(EnsNames.TryDnsDecode(fits, out _, out var e1), e1?.Message);

        var tooLong = Dns(new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 62));
        Assert.Equal(256, tooLong.Length);
        Assert.False(EnsNames.TryDnsDecode(tooLong, out _, out var error));
        Assert.Equal("ens.dns.name_too_long", error.Code);

        var name = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 62));
        Assert.False(EnsNames.TryDnsEncode(name, out _, out error));
        Assert.Equal("ens.dns.name_too_long", error.Code);
    }

    [Fact]
    public void Dns_decoder_rejects_bytes_after_the_terminator()
    {
        Assert.False(EnsNames.TryDnsDecode([.. Dns("alice", "eth"), 0x00], out _, out var error));
        Assert.Equal("ens.dns.trailing_bytes", error.Code);
        Assert.False(EnsNames.TryDnsDecode([.. Dns("alice", "eth"), 0x41], out _, out error));
        Assert.Equal("ens.dns.trailing_bytes", error.Code);
    }

    [Fact]
    public void Dns_decoder_rejects_a_zero_length_label_in_the_middle()
    {
        byte[] bytes = [5, .. "alice"u8, 0, 3, .. "eth"u8, 0];
        Assert.False(EnsNames.TryDnsDecode(bytes, out _, out var error));
        Assert.Equal("ens.dns.trailing_bytes", error.Code);
    }

    [Fact]
    public void Dns_decoder_rejects_truncation_missing_terminator_and_empty_input()
    {
        Assert.False(EnsNames.TryDnsDecode([], out _, out var error));
        Assert.Equal("ens.dns.truncated", error.Code);
        Assert.False(EnsNames.TryDnsDecode([5, .. "alice"u8], out _, out error));
        Assert.Equal("ens.dns.truncated", error.Code);
        Assert.False(EnsNames.TryDnsDecode([9, .. "alice"u8, 0], out _, out error));
        Assert.Equal("ens.dns.truncated", error.Code);
    }

    [Fact]
    public void Dns_decoder_rejects_compression_pointers_dots_in_labels_and_invalid_utf8()
    {
        Assert.False(EnsNames.TryDnsDecode([0xc0, 0x0c, 0x00], out _, out var error));
        Assert.Equal("ens.dns.label_too_long", error.Code);
        Assert.False(EnsNames.TryDnsDecode([3, (byte)'a', (byte)'.', (byte)'b', 3, .. "eth"u8, 0], out _, out error));
        Assert.Equal("ens.dns.label_contains_dot", error.Code);
        Assert.False(EnsNames.TryDnsDecode([2, 0xc3, 0x28, 0], out _, out error));
        Assert.Equal("ens.dns.invalid_utf8", error.Code);
    }

    [Fact]
    public void Dns_encoder_rejects_empty_labels_but_encodes_the_root()
    {
        Assert.Equal([0], EnsNames.DnsEncode(string.Empty));
        foreach (var bad in new[] { ".", "a..b", ".eth", "eth." })
        {
            Assert.False(EnsNames.TryDnsEncode(bad, out _, out var error));
            Assert.Equal("ens.dns.empty_label", error.Code);
        }

        Assert.Throws<ProtocolFormatException>(() => EnsNames.DnsEncode("a..b"));
    }

    [Fact]
    public void Labelhash_is_keccak_of_the_utf8_label()
    {
        Assert.Equal(Hex.Decode("0x4f5b812789fc606be1b3b16908db13fc7a9adf7ca72641f84d75b47069d3d7f0"), EnsNames.Labelhash("eth"));
        Assert.Equal(Hashes.Keccak256(System.Text.Encoding.UTF8.GetBytes("ü")), EnsNames.Labelhash("ü"));
    }

    private static byte[] Dns(params string[] labels)
    {
        var list = new List<byte>();
        foreach (var l in labels)
        {
            var b = System.Text.Encoding.UTF8.GetBytes(l);
            list.Add((byte)b.Length);
            list.AddRange(b);
        }

        list.Add(0);
        return [.. list];
    }
}
