using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Dm3.Adapters.Http;

namespace Dm3.Adapters.Queues;

/// <summary>
/// Azure Queue Storage over REST (x-ms-version 2019-02-02, XML). Missing queues, auth failures and exhausted retries
/// throw <see cref="RemoteServiceException"/>; a stale pop receipt is a value (false / null).
/// </summary>
public sealed class StorageQueueClient : IStorageQueueClient
{
    internal const string ApiVersion = "2019-02-02";
    private const string Service = "Queue Storage";
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7);

    private readonly AdapterHttp _http;
    private readonly string _baseUrl;

    public StorageQueueClient(HttpClient httpClient, QueueStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = new AdapterHttp(httpClient, options.Authorizer, options.Resilience);
        _baseUrl = options.Endpoint.AbsoluteUri.TrimEnd('/');
    }

    public async Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken)
    {
        ValidateQueueName(queue);
        using var response = await SendAsync(HttpMethod.Put, "/" + queue, null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict && error.Code == "QueueAlreadyExists")
        {
            return;
        }
        throw Fail("create queue", response, error);
    }

    public async Task<QueueMessageReceipt> SendAsync(string queue, string messageText, TimeSpan? visibilityDelay, CancellationToken cancellationToken)
    {
        ValidateQueueName(queue);
        ArgumentNullException.ThrowIfNull(messageText);
        if (messageText.Length > QueueMessageText.MaxMessageTextLength)
        {
            throw new ArgumentException($"The message text is longer than {QueueMessageText.MaxMessageTextLength} characters.", nameof(messageText));
        }
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero || delay > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), "The visibility delay must be within 0..7 days.");
        }
        var body = new XElement("QueueMessage", new XElement("MessageText", messageText)).ToString(SaveOptions.DisableFormatting);
        var path = $"/{queue}/messages?visibilitytimeout={Seconds(delay)}&messagettl=-1";
        using var response = await SendAsync(HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw Fail("put message", response, await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false));
        }
        var message = (await ReadMessagesAsync(response, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new RemoteServiceException(Service, "put message", response.StatusCode, null, "The response lists no message.");
        return new QueueMessageReceipt(
            Required(message, "MessageId"),
            Required(message, "PopReceipt"),
            Date(message, "InsertionTime"),
            Date(message, "TimeNextVisible"));
    }

    public async Task<IReadOnlyList<ReceivedQueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        ValidateQueueName(queue);
        ValidateCount(maxMessages);
        if (visibilityTimeout < TimeSpan.FromSeconds(1) || visibilityTimeout > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), "The visibility timeout must be within 1 s..7 days.");
        }
        var path = $"/{queue}/messages?numofmessages={maxMessages.ToString(CultureInfo.InvariantCulture)}&visibilitytimeout={Seconds(visibilityTimeout)}";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Fail("get messages", response, await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false));
        }
        return (await ReadMessagesAsync(response, cancellationToken).ConfigureAwait(false))
            .Select(m => new ReceivedQueueMessage(
                Required(m, "MessageId"),
                Required(m, "PopReceipt"),
                (string?)m.Element("MessageText") ?? "",
                DequeueCount(m),
                Date(m, "InsertionTime"),
                Date(m, "ExpirationTime"),
                Date(m, "TimeNextVisible")))
            .ToList();
    }

    public async Task<bool> DeleteAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken)
    {
        ValidateQueueName(queue);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        var path = $"/{queue}/messages/{Uri.EscapeDataString(messageId)}?popreceipt={Uri.EscapeDataString(popReceipt)}";
        using var response = await SendAsync(HttpMethod.Delete, path, null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        if (IsStaleReceipt(response.StatusCode, error.Code))
        {
            return false;
        }
        throw Fail("delete message", response, error);
    }

    public async Task<string?> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        ValidateQueueName(queue);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), "The visibility timeout must be within 0..7 days.");
        }
        var path = $"/{queue}/messages/{Uri.EscapeDataString(messageId)}?popreceipt={Uri.EscapeDataString(popReceipt)}&visibilitytimeout={Seconds(visibilityTimeout)}";
        using var response = await SendAsync(HttpMethod.Put, path, null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response.Headers.TryGetValues("x-ms-popreceipt", out var values) ? values.FirstOrDefault()
                : throw new RemoteServiceException(Service, "update message", response.StatusCode, null, "The response has no x-ms-popreceipt.");
        }
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        if (IsStaleReceipt(response.StatusCode, error.Code))
        {
            return null;
        }
        throw Fail("update message", response, error);
    }

    public async Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken)
    {
        ValidateQueueName(queue);
        ValidateCount(maxMessages);
        var path = $"/{queue}/messages?peekonly=true&numofmessages={maxMessages.ToString(CultureInfo.InvariantCulture)}";
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Fail("peek messages", response, await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false));
        }
        return (await ReadMessagesAsync(response, cancellationToken).ConfigureAwait(false))
            .Select(m => new PeekedQueueMessage(Required(m, "MessageId"), (string?)m.Element("MessageText") ?? "", DequeueCount(m), Date(m, "InsertionTime")))
            .ToList();
    }

    /// <summary>Deletes a queue (tests and tooling). False when it did not exist.</summary>
    public async Task<bool> DeleteQueueAsync(string queue, CancellationToken cancellationToken)
    {
        ValidateQueueName(queue);
        using var response = await SendAsync(HttpMethod.Delete, "/" + queue, null, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        throw Fail("delete queue", response, await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false));
    }

    private static bool IsStaleReceipt(HttpStatusCode status, string? code) =>
        (status == HttpStatusCode.NotFound && code != "QueueNotFound")
        || (status == HttpStatusCode.BadRequest && code == "PopReceiptMismatch");

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, string? xmlBody, CancellationToken cancellationToken)
    {
        var url = new Uri(_baseUrl + pathAndQuery);
        return _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(method, url);
            request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
            if (xmlBody is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(xmlBody));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
            }
            else if (method == HttpMethod.Put || method == HttpMethod.Post)
            {
                request.Content = new ByteArrayContent([]);
            }
            return request;
        }, cancellationToken);
    }

    private static async Task<List<XElement>> ReadMessagesAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }
        var doc = XDocument.Parse(text);
        return doc.Root?.Elements("QueueMessage").ToList() ?? [];
    }

    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var headerCode = response.Headers.TryGetValues("x-ms-error-code", out var v) ? v.FirstOrDefault() : null;
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                var root = XDocument.Parse(text).Root;
                if (root is not null && root.Name.LocalName == "Error")
                {
                    return ((string?)root.Element("Code") ?? headerCode, (string?)root.Element("Message"));
                }
            }
            catch (XmlException)
            {
                // Not XML: keep the header.
            }
        }
        return (headerCode, response.ReasonPhrase);
    }

    private static RemoteServiceException Fail(string operation, HttpResponseMessage response, (string? Code, string? Message) error) =>
        new(Service, operation, response.StatusCode, error.Code, error.Message);

    private static string Required(XElement message, string name) =>
        (string?)message.Element(name) ?? throw new InvalidDataException($"A queue message in the response has no {name}.");

    private static DateTimeOffset Date(XElement message, string name) =>
        DateTimeOffset.TryParse((string?)message.Element(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : default;

    private static long DequeueCount(XElement message) =>
        long.TryParse((string?)message.Element("DequeueCount"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;

    private static string Seconds(TimeSpan value) => ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static void ValidateCount(int maxMessages)
    {
        if (maxMessages is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), "Between 1 and 32 messages per call.");
        }
    }

    /// <summary>Queue names: 3–63 lower-case letters, digits and single hyphens, not starting or ending with a hyphen.</summary>
    internal static void ValidateQueueName(string queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var valid = queue.Length is >= 3 and <= 63
            && queue.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && queue[0] != '-' && queue[^1] != '-'
            && !queue.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException($"'{queue}' is not a valid queue name.", nameof(queue));
        }
    }
}
