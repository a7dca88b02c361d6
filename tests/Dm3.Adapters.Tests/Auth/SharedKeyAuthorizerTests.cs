using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Dm3.Adapters.Auth;
using Dm3.Adapters.Http;
using Dm3.Adapters.Resilience;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tables;
using Dm3.Adapters.Tests.Support;

namespace Dm3.Adapters.Tests.Auth;

public sealed class SharedKeyAuthorizerTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");

    [Fact]
    public void Table_string_to_sign_uses_verb_md5_type_date_and_the_path_style_resource()
    {
        var signer = new SharedKeyAuthorizer("devstoreaccount1", Key, SharedKeyScheme.Table);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:10002/devstoreaccount1/profiles?timeout=5");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 01 Jun 2025 10:00:00 GMT");
        request.Content = new ByteArrayContent([1]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Equal("POST\n\napplication/json\nSun, 01 Jun 2025 10:00:00 GMT\n/devstoreaccount1/devstoreaccount1/profiles", signer.BuildStringToSign(request));
    }

    [Fact]
    public void Table_lite_string_to_sign_keeps_only_comp_of_the_query()
    {
        var signer = new SharedKeyAuthorizer("acct", Key, SharedKeyScheme.TableLite);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://acct.table.core.windows.net/?restype=service&comp=properties");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 01 Jun 2025 10:00:00 GMT");
        Assert.Equal("Sun, 01 Jun 2025 10:00:00 GMT\n/acct/?comp=properties", signer.BuildStringToSign(request));
    }

    [Fact]
    public void Queue_string_to_sign_has_all_standard_headers_sorted_ms_headers_and_sorted_lowercased_query()
    {
        var signer = new SharedKeyAuthorizer("acct", Key, SharedKeyScheme.BlobQueue);
        using var request = new HttpRequestMessage(HttpMethod.Delete, "https://acct.queue.core.windows.net/q/messages/id1?popreceipt=AgAA%2Fx%3D%3D&VisibilityTimeout=3");
        request.Headers.TryAddWithoutValidation("x-ms-version", "2019-02-02");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 01 Jun 2025 10:00:00 GMT");
        request.Headers.TryAddWithoutValidation("x-ms-client-request-id", "  a   b ");
        Assert.Equal(
            "DELETE\n\n\n\n\n\n\n\n\n\n\n\n" +
            "x-ms-client-request-id:a b\nx-ms-date:Sun, 01 Jun 2025 10:00:00 GMT\nx-ms-version:2019-02-02\n" +
            "/acct/q/messages/id1\npopreceipt:AgAA/x==\nvisibilitytimeout:3",
            signer.BuildStringToSign(request));
    }

    [Fact]
    public async Task Authorization_header_is_the_hmac_of_the_string_to_sign()
    {
        var signer = new SharedKeyAuthorizer("acct", Key, SharedKeyScheme.BlobQueue);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://acct.queue.core.windows.net/q/messages");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 01 Jun 2025 10:00:00 GMT");
        request.Content = new StringContent("<QueueMessage/>", Encoding.UTF8, "application/xml");
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(signer.BuildStringToSign(request))));
        Assert.Contains("\n15\n", signer.BuildStringToSign(request), StringComparison.Ordinal);
        await signer.AuthorizeAsync(request, CancellationToken.None);
        Assert.Equal("SharedKey acct:" + expected, request.Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task Azurite_rejects_a_wrong_account_key()
    {
        Azurite.EnsureReachable(Azurite.TableEndpoint);
        using var http = new HttpClient();
        var client = new TableStorageClient(http, new TableStorageOptions(Azurite.TableEndpoint,
            new SharedKeyAuthorizer(StorageConnection.DevelopmentAccountName, RandomNumberGenerator.GetBytes(64), SharedKeyScheme.Table))
        {
            Resilience = new ResilienceOptions { MaxRetries = 0 },
        });
        var ex = await Assert.ThrowsAsync<RemoteServiceException>(() => client.CreateTableIfNotExistsAsync("neverthere", CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Status);
    }
}

public sealed class StorageConnectionTests
{
    [Fact]
    public void Development_storage_maps_to_azurite_path_style_endpoints()
    {
        Assert.True(StorageConnection.TryParse("UseDevelopmentStorage=true", out var c, out _));
        Assert.Equal("devstoreaccount1", c.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), c.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), c.QueueEndpoint);
        Assert.Equal(64, c.AccountKey.Length);
    }

    [Fact]
    public void Account_connection_string_builds_default_endpoints_and_honours_explicit_ones()
    {
        var key = Convert.ToBase64String(new byte[64]);
        Assert.True(StorageConnection.TryParse($"DefaultEndpointsProtocol=https;AccountName=dm3st;AccountKey={key};EndpointSuffix=core.windows.net", out var c, out _));
        Assert.Equal(new Uri("https://dm3st.table.core.windows.net"), c.TableEndpoint);
        Assert.Equal(new Uri("https://dm3st.queue.core.windows.net"), c.QueueEndpoint);

        Assert.True(StorageConnection.TryParse($"AccountName=devstoreaccount1;AccountKey={key};TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20001/devstoreaccount1/", out var local, out _));
        Assert.Equal(new Uri("http://127.0.0.1:20002/devstoreaccount1"), local.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:20001/devstoreaccount1"), local.QueueEndpoint);
        Assert.DoesNotContain(key, local.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AccountName=a")]
    [InlineData("AccountName=a;AccountKey=!!notbase64")]
    [InlineData("garbage")]
    [InlineData("AccountName=a;AccountKey=AAAA;DefaultEndpointsProtocol=ftp")]
    [InlineData("AccountName=a;AccountKey=AAAA;TableEndpoint=not a uri")]
    public void Bad_connection_strings_are_reported_not_thrown(string text)
    {
        Assert.False(StorageConnection.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
