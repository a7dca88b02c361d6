using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dm3.Adapters.Http;
using Dm3.Backend.Messaging;

namespace Dm3.Adapters.ServiceBus;

/// <summary>
/// Sends pipeline messages to a Service Bus queue over REST: <c>POST https://{ns}/{queue}/messages</c>, body = the message
/// JSON (<c>application/json</c>), <c>BrokerProperties: {"MessageId": id}</c> so the queue's duplicate detection makes
/// retries safe. Success is 201; anything else throws <see cref="RemoteServiceException"/> (after retries for transient
/// statuses).
/// </summary>
public sealed class ServiceBusPublisher : IPipelinePublisher
{
    private const string Service = "Service Bus";
    private readonly AdapterHttp _http;
    private readonly string _baseUrl;
    private readonly string _timeout;

    public ServiceBusPublisher(HttpClient httpClient, ServiceBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = new AdapterHttp(httpClient, options.Authorizer, options.Resilience);
        _baseUrl = options.NamespaceEndpoint.GetLeftPart(UriPartial.Authority);
        _timeout = ((int)Math.Ceiling(options.SendTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    public async Task PublishAsync(string queueName, PipelineMessage message, CancellationToken cancellationToken)
    {
        ValidateEntityName(queueName);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrEmpty(message.Id, nameof(message));
        if (message.Id.Length > 128)
        {
            throw new ArgumentException("A Service Bus MessageId is at most 128 characters.", nameof(message));
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(message);
        var brokerProperties = JsonSerializer.Serialize(new Dictionary<string, string> { ["MessageId"] = message.Id });
        var url = new Uri($"{_baseUrl}/{queueName}/messages?timeout={_timeout}");
        using var response = await _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url);
            request.Headers.TryAddWithoutValidation("BrokerProperties", brokerProperties);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return request;
        }, cancellationToken).ConfigureAwait(false);

        if (response.StatusCode != HttpStatusCode.Created)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new RemoteServiceException(Service, "send", response.StatusCode, null, string.IsNullOrWhiteSpace(detail) ? response.ReasonPhrase : detail);
        }
    }

    /// <summary>Queue names: 1–260 of letters, digits, '.', '-', '_' (no leading/trailing separators).</summary>
    internal static void ValidateEntityName(string queueName)
    {
        ArgumentNullException.ThrowIfNull(queueName);
        var valid = queueName.Length is >= 1 and <= 260
            && queueName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
            && char.IsAsciiLetterOrDigit(queueName[0]) && char.IsAsciiLetterOrDigit(queueName[^1]);
        if (!valid)
        {
            throw new ArgumentException($"'{queueName}' is not a valid Service Bus queue name.", nameof(queueName));
        }
    }
}
