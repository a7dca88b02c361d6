using Dm3.Backend.Delivery;
using Dm3.Protocol.Ens;

namespace Dm3.App.Tests.Delivery;

/// <summary>nameprep of the delivery service: ASCII only, A–Z lower-cased, nothing culture-aware.</summary>
public sealed class DeliveryNamePrepTests
{
    [Theory]
    [InlineData("\u212A")] // KELVIN SIGN: ToLowerInvariant gives 'k'
    [InlineData("\u0130")] // LATIN CAPITAL LETTER I WITH DOT ABOVE: ToLowerInvariant gives 'i'
    public void Normalize_never_maps_a_non_ascii_character_onto_an_ascii_letter(string character)
    {
        var name = "0x" + new string('a', 40) + ".addr.myapp" + character + ".eth";

        var normalized = DeliveryDirectory.Normalize(name);

        Assert.Equal(name, normalized);
        Assert.False(EnsNameRules.TryValidateName(normalized, out var error));
        Assert.Equal("ens.name.non_ascii", error.Code);
    }

    [Theory]
    [InlineData("\u212Aelvin.eth", "kelvin.eth")]
    [InlineData("\u0130nbox.eth", "inbox.eth")]
    public void A_lookalike_spelling_never_normalises_to_the_ascii_name(string lookalike, string ascii) =>
        Assert.NotEqual(ascii, DeliveryDirectory.Normalize(lookalike));

    [Fact]
    public void Normalize_lower_cases_only_A_to_Z()
    {
        Assert.Equal("0xabcdef.addr.myapp.eth", DeliveryDirectory.Normalize("0xABCDEF.Addr.MyApp.ETH"));
        Assert.Equal("a-b_9.z", DeliveryDirectory.Normalize("A-B_9.Z"));
        Assert.Equal("", DeliveryDirectory.Normalize(null));
    }
}
