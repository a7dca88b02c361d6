using System.Text.Json;
using Dm3.Protocol.Encoding;
using Dm3.Protocol.Ens;
using Dm3.Protocol.Tests.Support;

namespace Dm3.Protocol.Tests.Ens;

public sealed class EnsNameVectorTests
{
    public static IEnumerable<object[]> Ids => SharedData.Ids("ensNames");

    [SharedDataTheory]
    [MemberData(nameof(Ids))]
    public void Ens_name_vector_is_reproduced(string id)
    {
        var v = SharedData.Vector("ensNames", id);
        var input = v.Str("inputs.nameText");

        // The name we hash and encode: a vector that gives a normalised form is about a non-normalised input,
        // which our validator must refuse (decisions §18) while the normalised form reproduces the hashes.
        var name = input;
        if (v.Has("expected.normalizedNameText"))
        {
            name = v.Str("expected.normalizedNameText");
            Assert.False(EnsNameRules.TryValidateName(input, out var rejection));
            Assert.Equal("ens.name.uppercase", rejection.Code);
            Assert.True(EnsNameRules.TryValidateName(name, out var err), err?.Message);
        }

        Assert.Equal(v.Str("expected.namehashHex"), Hex.Encode(EnsNames.Namehash(name)));

        var dns = v.Str("expected.dnsEncodedHex");
        Assert.True(EnsNames.TryDnsEncode(name, out var encoded, out var encodeError), encodeError?.Message);
        Assert.Equal(dns, Hex.Encode(encoded));

        Assert.True(EnsNames.TryDnsDecode(Hex.Decode(dns), out var decoded, out var decodeError), decodeError?.Message);
        Assert.Equal(name, decoded);

        if (v.Has("expected.labelhashesJson"))
        {
            var expected = JsonSerializer.Deserialize<string[]>(v.Str("expected.labelhashesJson"))!;
            var actual = EnsNames.Labels(name).Select(l => Hex.Encode(EnsNames.Labelhash(l))).ToArray();
            Assert.Equal(expected, actual);
        }
    }

    [SharedDataFact]
    public void Address_name_vector_parses_into_address_and_parent()
    {
        var name = SharedData.Vector("ensNames", "name-1").Str("inputs.nameText");
        Assert.True(AddressName.TryParse(name, out var parsed, out var error), error?.Message);
        Assert.Equal("0x25a643b6e52864d0ed816f1e43c0cf49c83b8292", Hex.Encode(parsed.Address));
        Assert.Equal("myapp.eth", parsed.Parent);
        Assert.Equal(name, parsed.Name);
        Assert.Equal(name, AddressName.Format(parsed.Address, "myapp.eth"));
    }

    [SharedDataFact]
    public void Every_ascii_name_we_accept_is_ensip15_normalised()
    {
        // ENSIP-15 reference tests: for each name our validator accepts, the reference must neither reject it
        // nor normalise it to something else. Names it rejects that we also reject are counted as a sanity check.
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.PathOf("conformance", "ensip15", "tests.json")));
        var accepted = 0;
        var bothRejected = 0;
        foreach (var test in doc.RootElement.EnumerateArray().Skip(1))
        {
            if (!test.TryGetProperty("name", out var nameProp))
            {
                continue;
            }

            var name = nameProp.GetString()!;
            var referenceError = test.TryGetProperty("error", out var e) && e.GetBoolean();
            var norm = test.TryGetProperty("norm", out var n) ? n.GetString() : name;
            if (EnsNameRules.TryValidateName(name, out _))
            {
                accepted++;
                Assert.False(referenceError, $"ENSIP-15 rejects a name we accept: {name}");
                Assert.Equal(name, norm);
            }
            else if (referenceError)
            {
                bothRejected++;
            }
        }

        Assert.True(accepted > 1000, $"only {accepted} accepted names were cross-checked");
        Assert.True(bothRejected > 100);
    }
}
