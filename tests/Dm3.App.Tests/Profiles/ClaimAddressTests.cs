using System.Net;
using System.Text.Json.Nodes;
using Dm3.Backend.Profiles;
using Dm3.Protocol.Crypto;
using Dm3.Protocol.Profiles;
using static Dm3.App.Tests.Profiles.ResolverTestKit;

namespace Dm3.App.Tests.Profiles;

public sealed class ClaimAddressTests(ResolverHost host) : IClassFixture<ResolverHost>
{
    // A browser dApp's requests: cross-origin, so they carry Origin and get the CORS answer.
    private readonly HttpClient _client = Browser(host.CreateClient());

    [Fact]
    public async Task ClaimAddress_stores_a_profile_signed_by_the_address_and_GET_returns_it()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ReadObjectAsync(response);
        Assert.Equal(wallet.Name, (string)body["name"]!);
        Assert.Equal(profile.Dm3Hash, (string)body["profileHash"]!);
        var stored = await _client.GetAsync("/resolver/profile/" + wallet.Checksum);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(profile.ToCanonicalJson(), await stored.Content.ReadAsStringAsync());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task ClaimAddress_accepts_the_lower_case_address_and_GET_finds_it_by_any_case()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Lower)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/resolver/profile/" + wallet.Lower)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Fact]
    public async Task ClaimAddress_with_the_same_profile_again_is_idempotent()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)))).StatusCode);

        var again = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(profile.Dm3Hash, (string)(await ReadObjectAsync(again))["profileHash"]!);
    }

    [Fact]
    public async Task ClaimAddress_rejects_a_profile_signed_by_another_wallet_and_stores_nothing()
    {
        var wallet = new TestWallet();
        var other = new TestWallet();
        var profile = other.SignProfile(NewProfile());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("claim.bad_signature", await ProblemCodeAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Fact]
    public async Task ClaimAddress_rejects_a_tampered_profile_and_stores_nothing()
    {
        var wallet = new TestWallet();
        var signed = wallet.SignProfile(NewProfile());
        var body = ClaimBody(signed, wallet.Checksum);
        body["signedUserProfile"]!["profile"]!["deliveryServices"] = new JsonArray("evil.eth");

        var response = await _client.PostAsync("/resolver/profile/address", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Theory]
    [InlineData("addr.other.eth")]
    [InlineData("myapp.eth")]
    [InlineData("addr.dm3.eth")]
    [InlineData("ADDR.myapp.eth")]
    public async Task ClaimAddress_rejects_a_subdomain_outside_the_apps_parents(string subdomain)
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, wallet.Checksum, subdomain)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("claim.subdomain_not_served", await ProblemCodeAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Fact]
    public async Task ClaimAddress_rejects_an_address_with_a_wrong_checksum()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        var broken = FlipCase(wallet.Checksum);

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(profile, broken)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("{\"address\":1,\"subdomain\":\"addr.myapp.eth\"}")]
    public async Task ClaimAddress_rejects_malformed_bodies(string body)
    {
        var response = await _client.PostAsync("/resolver/profile/address", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task ClaimAddress_rejects_duplicate_keys_and_stores_nothing()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        var json = ClaimBody(profile, wallet.Checksum).ToJsonString();
        var duplicated = json.Replace("\"address\":", "\"address\":\"0x0000000000000000000000000000000000000000\",\"address\":", StringComparison.Ordinal);

        var response = await _client.PostAsync("/resolver/profile/address", new StringContent(duplicated, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Fact]
    public async Task ClaimAddress_rejects_an_oversized_body_with_413_and_stores_nothing()
    {
        var wallet = new TestWallet();
        var profile = wallet.SignProfile(NewProfile());
        var body = ClaimBody(profile, wallet.Checksum);
        body["padding"] = new string('x', global::Dm3.App.Profiles.ResolverEndpoints.MaxBodyBytes);

        var response = await _client.PostAsync("/resolver/profile/address", Json(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).StatusCode);
    }

    [Fact]
    public async Task ClaimAddress_of_a_different_profile_for_a_claimed_name_conflicts_without_a_proof()
    {
        var wallet = new TestWallet();
        var first = wallet.SignProfile(NewProfile());
        var second = wallet.SignProfile(NewProfile());
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(first, wallet.Checksum)))).StatusCode);

        var response = await _client.PostAsync("/resolver/profile/address", Json(ClaimBody(second, wallet.Checksum)));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(first.ToCanonicalJson(), await (await _client.GetAsync("/resolver/profile/" + wallet.Checksum)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GET_profile_answers_404_for_an_unclaimed_address_and_400_for_a_non_address()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/resolver/profile/" + new TestWallet().Checksum)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/resolver/profile/alice.eth")).StatusCode);
    }

    [Fact]
    public async Task Preflight_on_resolver_routes_allows_any_origin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/resolver/profile/address");
        request.Headers.Add("Origin", "https://somewhere.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
    }

    private static string FlipCase(string checksum)
    {
        var chars = checksum.ToCharArray();
        for (var i = 2; i < chars.Length; i++)
        {
            if (char.IsLetter(chars[i]))
            {
                chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
                break;
            }
        }

        return new string(chars);
    }
}
