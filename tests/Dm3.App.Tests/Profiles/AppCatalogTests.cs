using Dm3.App.Tests.Ccip;
using Dm3.Backend.Apps;
using Dm3.Backend.Ccip;
using Dm3.Backend.Names;

namespace Dm3.App.Tests.Profiles;

public sealed class AppCatalogTests
{
    private static AppCatalog Catalog(params AppOptions[] apps) => AppCatalog.Create(new AppCatalogOptions { Apps = [.. apps] });

    [Fact]
    public void Names_issued_are_address_names_under_addr_and_the_delivery_service_name()
    {
        var catalog = Catalog(new AppOptions { ParentName = "myapp.eth" }, new AppOptions { ParentName = "other.eth", DeliveryServiceName = "mail.other.eth" });

        Assert.True(catalog.TryClassify("0x00000000000000000000000000000000000000ff.addr.myapp.eth", out var address, out _));
        Assert.Equal(HostedNameKind.Address, address.Kind);
        Assert.Equal("0x00000000000000000000000000000000000000ff", address.Address);
        Assert.Equal("myapp.eth", address.App.ParentName);
        Assert.True(catalog.TryClassify("ds.myapp.eth", out var ds, out _));
        Assert.Equal(HostedNameKind.DeliveryService, ds.Kind);
        Assert.True(catalog.TryClassify("mail.other.eth", out var mail, out _));
        Assert.Equal("other.eth", mail.App.ParentName);
    }

    [Theory]
    [InlineData("alice.eth", "name.outside_parents")]
    [InlineData("foo.myapp.eth", "name.not_issued")]
    [InlineData("myapp.eth", "name.not_issued")]
    [InlineData("ds.other.eth", "name.not_issued")]
    [InlineData("0x00000000000000000000000000000000000000fg.addr.myapp.eth", "name.not_issued")]
    [InlineData("x.0x00000000000000000000000000000000000000ff.addr.myapp.eth", "name.not_issued")]
    [InlineData("0x00000000000000000000000000000000000000FF.addr.myapp.eth", "ens.name")]
    [InlineData("Ds.myapp.eth", "ens.name")]
    [InlineData("", "ens.name")]
    public void Anything_else_is_refused_with_a_reason(string name, string codePrefix)
    {
        var catalog = Catalog(new AppOptions { ParentName = "myapp.eth" }, new AppOptions { ParentName = "other.eth", DeliveryServiceName = "mail.other.eth" });

        Assert.False(catalog.TryClassify(name, out _, out var error));
        Assert.StartsWith(codePrefix, error.Code, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Defaults_are_chain_1_the_ds_name_and_https_uri_prefixes()
    {
        var app = Catalog(new AppOptions { ParentName = "myapp.eth", Domains = [new AppDomainOptions { Host = "app.example.com", Scopes = ["register"] }] }).Apps[0];

        Assert.Equal([1L], app.ChainIds);
        Assert.Equal("ds.myapp.eth", app.DeliveryServiceName);
        Assert.Equal(["ds.myapp.eth"], app.DeliveryServiceNames);
        Assert.Equal("addr.myapp.eth", app.AddressParent);
        Assert.Equal(["https://app.example.com/"], app.Domains[0].UriPrefixes);
    }

    [Theory]
    [InlineData("MyApp.eth", null, null)]
    [InlineData("eth", null, null)]
    [InlineData("myapp.eth", "ds.elsewhere.eth", null)]
    [InlineData("myapp.eth", "x.addr.myapp.eth", null)]
    [InlineData("myapp.eth", null, "admin")]
    public void Invalid_app_settings_are_reported_at_start_up(string parent, string? dsName, string? scope)
    {
        var options = new AppCatalogOptions
        {
            Apps = [new AppOptions { ParentName = parent, DeliveryServiceName = dsName, Domains = [new AppDomainOptions { Host = "a.example", Scopes = [scope ?? "query"] }] }],
        };

        Assert.False(AppCatalog.TryCreate(options, out _, out var errors));
        Assert.NotEmpty(errors);
        Assert.Throws<InvalidOperationException>(() => AppCatalog.Create(options));
    }

    [Fact]
    public void The_same_parent_twice_is_refused()
    {
        var options = new AppCatalogOptions { Apps = [new AppOptions { ParentName = "myapp.eth" }, new AppOptions { ParentName = "myapp.eth" }] };

        Assert.False(AppCatalog.TryCreate(options, out _, out _));
    }

    [Theory]
    [InlineData("0x12", "ens")]
    [InlineData("0x1111111111111111111111111111111111111111", "offchain")]
    public void Invalid_gateway_resolvers_are_reported(string address, string family)
    {
        var errors = CcipGateway.Validate(new GatewayOptions { Resolvers = [new GatewayResolverOptions { Address = address, Family = family }] });

        Assert.NotEmpty(errors);
    }

    [Fact]
    public void The_answer_cache_serves_until_expiry_minus_60_seconds_and_stays_bounded()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_000_000));
        var cache = new GatewayAnswerCache(clock, maxEntries: 3);
        var expires = clock.GetUtcNow().AddSeconds(300);
        cache.Set("a", [1], expires);

        clock.Advance(TimeSpan.FromSeconds(239));
        Assert.True(cache.TryGet("a", out var body));
        Assert.Equal([1], body);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("a", out _));

        for (var i = 0; i < 10; i++)
        {
            cache.Set("k" + i, [(byte)i], clock.GetUtcNow().AddSeconds(300));
            Assert.True(cache.Count <= 3);
        }

        Assert.True(cache.TryGet("k9", out _));
    }
}
