using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Dm3.Backend.Resolution;

namespace Dm3.Adapters.Outbound;

/// <summary>
/// <see cref="IOutboundHttp"/> with the policy of decisions §36. URLs from chain data: https only (http when allowed),
/// the host resolved here and every resolved address checked in <see cref="SocketsHttpHandler.ConnectCallback"/>
/// before any connection is attempted (so a name that resolves to 169.254.169.254 or 10.0.0.1 never sees a SYN),
/// redirects followed by hand to the same host only, bodies capped at <see cref="OutboundPolicyOptions.MaxResponseBytes"/>,
/// connect and total timeouts. Operator-configured endpoints (JSON-RPC) go through a separate connection pool that
/// skips the address check, so a pooled connection of one kind can never serve the other.
/// </summary>
public sealed class PolicyHttpClient : IOutboundHttp, IDisposable
{
    private readonly OutboundPolicyOptions _options;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolveHost;
    private readonly Func<IPEndPoint, CancellationToken, ValueTask<Stream>> _connect;
    private readonly HttpClient _chainData;
    private readonly HttpClient _operator;

    public PolicyHttpClient(OutboundPolicyOptions options)
        : this(options, Dns.GetHostAddressesAsync, ConnectSocketAsync)
    {
    }

    /// <summary>Test seam: the DNS resolver and the socket connector (to prove refused addresses are never connected to).</summary>
    internal PolicyHttpClient(
        OutboundPolicyOptions options,
        Func<string, CancellationToken, Task<IPAddress[]>> resolveHost,
        Func<IPEndPoint, CancellationToken, ValueTask<Stream>> connect)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _resolveHost = resolveHost;
        _connect = connect;
        _chainData = new HttpClient(CreateHandler(checkAddresses: true), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _operator = new HttpClient(CreateHandler(checkAddresses: false), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<OutboundResponse> SendAsync(OutboundRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chainData = request.Origin == OutboundOrigin.ChainData;
        if (chainData && SchemeRefusal(request.Url) is { } schemeRefusal)
        {
            return OutboundResponse.Refused(schemeRefusal);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.RequestTimeoutSeconds));
        var client = chainData ? _chainData : _operator;
        var url = request.Url;
        var body = request.JsonBody;
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                using var message = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, url);
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (body is not null)
                {
                    message.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
                {
                    var next = new Uri(url, location);
                    if (redirects >= _options.MaxRedirects)
                    {
                        return OutboundResponse.Refused($"more than {_options.MaxRedirects} redirects");
                    }

                    if (!string.Equals(next.IdnHost, request.Url.IdnHost, StringComparison.OrdinalIgnoreCase) || next.Port != request.Url.Port)
                    {
                        return OutboundResponse.Refused("a redirect to another host");
                    }

                    if ((chainData && SchemeRefusal(next) is not null) || (url.Scheme == Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttps))
                    {
                        return OutboundResponse.Refused("a redirect to a refused scheme");
                    }

                    url = next;
                    body = status is 307 or 308 ? body : null;
                    continue;
                }

                return await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException e) when (FindPolicyRefusal(e) is { } refusal)
        {
            return OutboundResponse.Refused(refusal.Message);
        }
        catch (HttpRequestException)
        {
            return OutboundResponse.Failed("a network error");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return OutboundResponse.Failed("a timeout");
        }
    }

    public void Dispose()
    {
        _chainData.Dispose();
        _operator.Dispose();
    }

    private async Task<OutboundResponse> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var max = _options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > max)
        {
            return OutboundResponse.Refused($"a response larger than {max} bytes");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[Math.Min(max + 1, 16 * 1024)];
            using var output = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (output.Length + read > max)
                {
                    return OutboundResponse.Refused($"a response larger than {max} bytes");
                }

                output.Write(buffer, 0, read);
            }

            return new OutboundResponse(OutboundStatus.Answered, (int)response.StatusCode, output.ToArray(), null);
        }
    }

    private string? SchemeRefusal(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return "a relative URL";
        }

        if (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && _options.AllowHttp))
        {
            return string.IsNullOrEmpty(url.UserInfo) ? null : "a URL with credentials";
        }

        return $"the scheme {url.Scheme} (only https is allowed)";
    }

    private SocketsHttpHandler CreateHandler(bool checkAddresses) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxResponseHeadersLength = 64,
        ConnectCallback = (context, token) => ConnectAsync(context.DnsEndPoint, checkAddresses, token),
    };

    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool checkAddresses, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await _resolveHost(endPoint.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new OutboundPolicyException("a host without addresses");
        }

        if (checkAddresses)
        {
            // Every address is checked before the first connection attempt: a host that answers with one public and one
            // private address (DNS rebinding) is refused as a whole.
            foreach (var address in addresses)
            {
                if (AddressPolicy.Refusal(address, _options.AllowPrivateAddresses) is { } refusal)
                {
                    throw new OutboundPolicyException("a host that resolves to " + refusal);
                }
            }
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return await _connect(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }

        throw last!;
    }

    private static async ValueTask<Stream> ConnectSocketAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static OutboundPolicyException? FindPolicyRefusal(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is OutboundPolicyException refusal)
            {
                return refusal;
            }
        }

        return null;
    }
}

/// <summary>Thrown inside the connect callback when the policy refuses a host; surfaces as <see cref="OutboundStatus.Refused"/>.</summary>
internal sealed class OutboundPolicyException(string message) : Exception(message);
