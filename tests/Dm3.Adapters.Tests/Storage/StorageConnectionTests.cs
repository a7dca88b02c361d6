using Azure.Data.Tables;
using Azure.Storage.Queues;
using Dm3.Adapters.Storage;

namespace Dm3.Adapters.Tests.Storage;

/// <summary>The start-up check of <c>Storage__ConnectionString</c> agrees with the SDK clients built from it.</summary>
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

    [Theory]
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=dm3st;AccountKey=AAAA;EndpointSuffix=core.windows.net")]
    [InlineData("AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20001/devstoreaccount1/")]
    public void Accepted_connection_strings_build_sdk_clients_for_the_same_endpoints(string text)
    {
        Assert.True(StorageConnection.TryParse(text, out var parsed, out _));
        var tables = new TableServiceClient(text);
        var queues = new QueueServiceClient(text);
        Assert.Equal(parsed.TableEndpoint.AbsoluteUri.TrimEnd('/'), tables.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal(parsed.QueueEndpoint.AbsoluteUri.TrimEnd('/'), queues.Uri.AbsoluteUri.TrimEnd('/'));
        Assert.Equal(parsed.AccountName, tables.AccountName);
    }
}
