using System.Net;
using System.Text.Json.Nodes;
using Dm3.App.Tests.Delivery;
using Dm3.App.Tests.Delivery.Support;
using Dm3.Protocol.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dm3.App.Tests.ProbeFindings;

/// <summary>
/// The probe's token finding: a token is bounded by the lifetime we issue (exp − iat ≤ 1 h), not only by its signature,
/// so a validly signed token with a longer lifetime (a leaked secret's forgery, an old release's token) is refused.
/// </summary>
public sealed class TokenLifetimeTests(DeliveryAuthFixture fixture) : IClassFixture<DeliveryAuthFixture>
{
    [Theory]
    [InlineData(DeliveryServiceJwt.AuthLifetimeSeconds + 1)]
    [InlineData(30L * 24 * 3600)]
    public async Task A_validly_signed_token_living_longer_than_we_issue_is_refused(long lifetime)
    {
        var user = new TestUser();
        await DeliveryKit.ClaimAsync(fixture.Client, user);
        var now = fixture.Host.Clock.GetUtcNow().ToUnixTimeSeconds();
        var secret = Convert.FromBase64String(fixture.Host.Services.GetRequiredService<IConfiguration>()["DeliveryService:TokenSecret"]!);
        var issued = DeliveryServiceJwt.CreateAuthToken(secret, user.Name, now);
        var longLived = DeliveryServiceJwt.CreateAuthToken(secret, user.Name, now, lifetime);

        Assert.Equal(HttpStatusCode.OK, (await DeliveryKit.IncomingAsync(fixture.Client, user, issued)).Status);
        var refused = await fixture.Client.SendAsync(DeliveryKit.Authorized(HttpMethod.Get, $"/delivery/messages/incoming/{user.Name}", longLived));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("jwt.bad_lifetime", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["code"]);
    }
}
