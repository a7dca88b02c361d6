using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;

namespace Dm3.Protocol.Tests.Ens;

public sealed class EnsNameRulesTests
{
    [Theory]
    [InlineData("alice.eth")]
    [InlineData("eth")]
    [InlineData("my-app.eth")]
    [InlineData("-x-.eth")]
    [InlineData("0x25a643b6e52864d0ed816f1e43c0cf49c83b8292.addr.myapp.eth")]
    [InlineData("ds.myapp.eth")]
    [InlineData("a1.b2.c3.eth")]
    public void Accepts_lowercase_ascii_names(string name)
    {
        Assert.True(EnsNameRules.TryValidateName(name, out var error), error?.Message);
    }

    [Theory]
    [InlineData(null, "ens.name.missing")]
    [InlineData("", "ens.name.empty")]
    [InlineData(".eth", "ens.name.leading_dot")]
    [InlineData("alice.eth.", "ens.name.trailing_dot")]
    [InlineData("alice..eth", "ens.name.empty_label")]
    [InlineData("Alice.eth", "ens.name.uppercase")]
    [InlineData("0x25A643B6E52864D0ED816F1E43C0CF49C83B8292.addr.myapp.eth", "ens.name.uppercase")]
    [InlineData("alicé.eth", "ens.name.non_ascii")]
    [InlineData("ali ce.eth", "ens.name.invalid_character")]
    [InlineData("ali_ce.eth", "ens.name.invalid_character")]
    [InlineData("te--st.eth", "ens.name.label_extension")]
    [InlineData("xn--ls8h.eth", "ens.name.label_extension")]
    public void Rejects_names_outside_the_backend_alphabet_with_a_precise_reason(string? name, string code)
    {
        Assert.False(EnsNameRules.TryValidateName(name, out var error));
        Assert.Equal(code, error.Code);
        if (!string.IsNullOrEmpty(name))
        {
            Assert.DoesNotContain(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rejects_a_label_of_64_bytes_and_a_name_over_253_bytes()
    {
        Assert.True(EnsNameRules.TryValidateName(new string('a', 63) + ".eth", out _));
        Assert.False(EnsNameRules.TryValidateName(new string('a', 64) + ".eth", out var error));
        Assert.Equal("ens.name.label_too_long", error.Code);

        var longest = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));
        Assert.Equal(253, longest.Length);
        Assert.True(EnsNameRules.TryValidateName(longest, out _));
        Assert.False(EnsNameRules.TryValidateName(longest + "d", out error));
        Assert.Equal("ens.name.too_long", error.Code);
    }

    [Fact]
    public void Every_accepted_name_fits_the_dns_limits()
    {
        var longest = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));
        Assert.True(EnsNames.TryDnsEncode(longest, out var dns, out _));
        Assert.Equal(EnsNames.MaxDnsNameBytes, dns.Length);
    }

    [Fact]
    public void Parent_names_are_limited_to_200_bytes()
    {
        var parent200 = new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 17);
        Assert.Equal(200, parent200.Length);
        Assert.True(EnsNameRules.TryValidateParentName(parent200, out var e), e?.Message);
        Assert.False(EnsNameRules.TryValidateParentName(parent200 + "d", out var error));
        Assert.Equal("ens.parent.too_long", error.Code);
        Assert.False(EnsNameRules.TryValidateParentName("MyApp.eth", out error));
        Assert.Equal("ens.parent.uppercase", error.Code);
    }

    [Fact]
    public void Address_name_round_trips_and_the_longest_one_fits_dns()
    {
        var address = Hex.Decode("0x5d8f98d890b36d95fd6c21d720d128d21206df58");
        var name = AddressName.Format(address, "myapp.eth");
        Assert.Equal("0x5d8f98d890b36d95fd6c21d720d128d21206df58.addr.myapp.eth", name);
        Assert.True(AddressName.TryParse(name, out var parsed, out _));
        Assert.Equal(address, parsed.Address);
        Assert.Equal("myapp.eth", parsed.Parent);

        var parent200 = new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 17);
        var longest = AddressName.Format(address, parent200);
        Assert.True(EnsNameRules.TryValidateName(longest, out _));
        Assert.True(EnsNames.TryDnsEncode(longest, out var dns, out _));
        Assert.True(dns.Length <= EnsNames.MaxDnsNameBytes);
    }

    [Theory]
    [InlineData("0x5d8f98d890b36d95fd6c21d720d128d21206df5.addr.myapp.eth", "ens.address_name.no_address_label")]
    [InlineData("0x5d8f98d890b36d95fd6c21d720d128d21206df5g.addr.myapp.eth", "ens.address_name.no_address_label")]
    [InlineData("alice.addr.myapp.eth", "ens.address_name.no_address_label")]
    [InlineData("0x5d8f98d890b36d95fd6c21d720d128d21206df58.user.myapp.eth", "ens.address_name.no_addr_label")]
    [InlineData("0x5d8f98d890b36d95fd6c21d720d128d21206df58.addr", "ens.address_name.no_addr_label")]
    [InlineData("0x5D8F98D890B36D95FD6C21D720D128D21206DF58.addr.myapp.eth", "ens.name.uppercase")]
    public void Address_name_parse_rejects_other_shapes(string name, string code)
    {
        Assert.False(AddressName.TryParse(name, out _, out var error));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Address_name_creation_rejects_bad_inputs()
    {
        Assert.False(AddressName.TryCreate(new byte[19], "myapp.eth", out _, out var error));
        Assert.Equal("ens.address_name.bad_address", error.Code);
        Assert.False(AddressName.TryCreate(new byte[20], "My.eth", out _, out error));
        Assert.Equal("ens.parent.uppercase", error.Code);
        Assert.Throws<ProtocolFormatException>(() => AddressName.Format(new byte[20], ""));
    }

    [Fact]
    public void Ds_name_is_ds_dot_parent()
    {
        Assert.Equal("ds.myapp.eth", DsName.Format("myapp.eth"));
        Assert.True(DsName.TryParse("ds.myapp.eth", out var parent, out _));
        Assert.Equal("myapp.eth", parent);
        Assert.False(DsName.TryParse("dsx.myapp.eth", out _, out var error));
        Assert.Equal("ens.ds_name.no_ds_label", error.Code);
        Assert.False(DsName.TryParse("ds", out _, out error));
        Assert.Equal("ens.ds_name.no_ds_label", error.Code);
        Assert.Throws<ProtocolFormatException>(() => DsName.Format("Bad.eth"));
    }
}
