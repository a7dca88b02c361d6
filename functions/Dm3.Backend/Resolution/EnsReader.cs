using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol;
using Dm3.Protocol.Ccip;
using Dm3.Protocol.Ens;

namespace Dm3.Backend.Resolution;

/// <summary>Counts the outbound HTTP requests of one resolution (decisions §36: at most N per resolution).</summary>
public sealed class ResolutionBudget
{
    private int _left;

    public ResolutionBudget(int maxRequests) => _left = maxRequests;

    public int Used { get; private set; }

    public bool TryTake()
    {
        if (Interlocked.Decrement(ref _left) < 0)
        {
            return false;
        }

        Used++;
        return true;
    }
}

/// <summary>The resolver ENSIP-10 found for a name: its address and whether it implements <c>resolve(bytes,bytes)</c>.</summary>
public sealed record EnsResolverInfo(byte[] Address, bool Extended, bool Wildcard);

/// <summary>A record result (the ABI-encoded return value of the inner call) or why it could not be read.</summary>
public sealed record EnsRead(byte[]? Data, ProtocolError? Error)
{
    [MemberNotNullWhen(true, nameof(Data))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Ok => Data is not null;

    public static EnsRead Fail(string code, string message) => new(null, new ProtocolError(code, message));
}

/// <summary>
/// ENS resolution over JSON-RPC (ENSIP-1, ENSIP-10) with a complete EIP-3668 client: the nearest resolver walking up the
/// parents; <c>resolve(bytes,bytes)</c> when it supports 0x9061b923, the record call itself otherwise (never on a
/// parent's resolver); OffchainLookup reverts answered through the gateway URLs in order (GET/POST templates,
/// 4xx stops, 5xx/network/refusal tries the next URL), the callback called on the resolver, the sender checked,
/// at most <see cref="CcipClient.MaxNestedLookups"/> nested lookups.
/// </summary>
public sealed class EnsReader
{
    private readonly EthereumRpc _rpc;
    private readonly IOutboundHttp _http;
    private readonly byte[] _registry;

    public EnsReader(EthereumRpc rpc, IOutboundHttp http, byte[] registry20)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(registry20);
        _rpc = rpc;
        _http = http;
        _registry = registry20;
    }

    /// <summary>The nearest resolver of <paramref name="name"/> (normalised), or an error (<c>ens.no_resolver</c> when none).</summary>
    public async Task<(EnsResolverInfo? Resolver, ProtocolError? Error)> FindResolverAsync(string name, CancellationToken cancellationToken)
    {
        foreach (var candidate in Ensip10.NameAndParents(name))
        {
            var call = await _rpc.CallAsync(_registry, Ensip10.ResolverCall(EnsNames.Namehash(candidate)), cancellationToken).ConfigureAwait(false);
            if (call is not EthCallResult.Returned returned)
            {
                return (null, RpcError(call));
            }

            if (!Ensip10.TryDecodeAddress(returned.Data, out var resolver, out var decodeError))
            {
                return (null, new ProtocolError("ens.bad_registry_answer", "The registry's resolver() answer is not an address: " + decodeError.Message));
            }

            if (Ensip10.IsZeroAddress(resolver))
            {
                continue;
            }

            var wildcard = !string.Equals(candidate, name, StringComparison.Ordinal);
            var extended = await SupportsExtendedAsync(resolver, cancellationToken).ConfigureAwait(false);
            if (wildcard && !extended)
            {
                // ENSIP-10: a parent's resolver answers for a child only through resolve(bytes,bytes).
                return (null, new ProtocolError("ens.no_resolver", "The name has no resolver (the nearest parent's resolver is not a wildcard resolver)."));
            }

            return (new EnsResolverInfo(resolver, extended, wildcard), null);
        }

        return (null, new ProtocolError("ens.no_resolver", "The name has no resolver."));
    }

    /// <summary>Reads one record: <paramref name="innerCall"/> (e.g. <c>text(node,key)</c>) through <paramref name="resolver"/>.</summary>
    public async Task<EnsRead> ReadAsync(EnsResolverInfo resolver, string name, byte[] innerCall, ResolutionBudget budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        if (!resolver.Extended)
        {
            return await CallWithLookupsAsync(resolver.Address, innerCall, budget, cancellationToken).ConfigureAwait(false);
        }

        var outer = CcipCalls.Resolve(EnsNames.DnsEncode(name), innerCall);
        var read = await CallWithLookupsAsync(resolver.Address, outer, budget, cancellationToken).ConfigureAwait(false);
        if (!read.Ok)
        {
            return read;
        }

        return Ensip10.TryDecodeBytes(read.Data, out var inner, out var error)
            ? new EnsRead(inner, null)
            : EnsRead.Fail("ens.bad_resolver_answer", "resolve(bytes,bytes) did not return bytes: " + error.Message);
    }

    /// <summary>
    /// <c>eth_call</c> of <paramref name="data"/> on <paramref name="to"/>, answering OffchainLookup reverts (EIP-3668).
    /// </summary>
    public async Task<EnsRead> CallWithLookupsAsync(byte[] to, byte[] data, ResolutionBudget budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var call = data;
        for (var lookups = 0; ; lookups++)
        {
            var result = await _rpc.CallAsync(to, call, cancellationToken).ConfigureAwait(false);
            switch (result)
            {
                case EthCallResult.Returned returned:
                    return new EnsRead(returned.Data, null);
                case EthCallResult.Failed:
                    return new EnsRead(null, RpcError(result));
            }

            var revert = ((EthCallResult.Reverted)result).Data;
            if (!CcipClient.IsOffchainLookup(revert))
            {
                return EnsRead.Fail("ens.reverted", "The resolver call reverted.");
            }

            // The first lookup plus at most MaxNestedLookups asked for by callbacks.
            if (lookups > CcipClient.MaxNestedLookups)
            {
                return EnsRead.Fail("ccip.too_many_lookups", $"The resolver asked for more than {CcipClient.MaxNestedLookups} nested offchain lookups.");
            }

            if (!OffchainLookup.TryDecodeRevertData(revert, out var lookup, out var decodeError))
            {
                return EnsRead.Fail("ccip.bad_lookup", "The OffchainLookup revert is malformed: " + decodeError.Message);
            }

            if (!lookup.Sender.AsSpan().SequenceEqual(to))
            {
                return EnsRead.Fail("ccip.sender_mismatch", "The OffchainLookup sender is not the contract that was called.");
            }

            var answer = await QueryGatewaysAsync(lookup, budget, cancellationToken).ConfigureAwait(false);
            if (!answer.Ok)
            {
                return answer;
            }

            call = CcipClient.CallbackCall(lookup.CallbackFunction, answer.Data, lookup.ExtraData);
        }
    }

    private async Task<EnsRead> QueryGatewaysAsync(OffchainLookupData lookup, ResolutionBudget budget, CancellationToken cancellationToken)
    {
        EnsRead? last = null;
        foreach (var template in lookup.Urls)
        {
            var form = CcipClient.BuildRequest(template, lookup.Sender, lookup.CallData);
            if (!Uri.TryCreate(form.Url, UriKind.Absolute, out var url))
            {
                last = EnsRead.Fail("ccip.bad_url", "A gateway URL is not an absolute URL.");
                continue;
            }

            if (!budget.TryTake())
            {
                return EnsRead.Fail("resolution.request_budget", "The resolution needed more outbound requests than allowed.");
            }

            var response = await _http.SendAsync(new OutboundRequest(url, form.PostBody), cancellationToken).ConfigureAwait(false);
            switch (response.Status)
            {
                case OutboundStatus.Refused:
                    last = EnsRead.Fail("ccip.gateway_refused", "A gateway URL was refused by the outbound policy: " + response.Reason);
                    continue;
                case OutboundStatus.Failed:
                    last = EnsRead.Fail("ccip.gateway_unreachable", "A gateway could not be reached: " + response.Reason);
                    continue;
            }

            if (response.StatusCode is >= 400 and < 500)
            {
                return EnsRead.Fail("ccip.gateway_rejected", $"The gateway answered {response.StatusCode}; EIP-3668 clients stop on 4xx.");
            }

            if (response.StatusCode is < 200 or >= 300)
            {
                last = EnsRead.Fail("ccip.gateway_failed", $"A gateway answered {response.StatusCode}.");
                continue;
            }

            if (!CcipClient.TryParseResponseBody(response.Body, out var data, out var error))
            {
                last = new EnsRead(null, error);
                continue;
            }

            return new EnsRead(data, null);
        }

        return last ?? EnsRead.Fail("ccip.no_urls", "The OffchainLookup names no gateway URL.");
    }

    private async Task<bool> SupportsExtendedAsync(byte[] resolver, CancellationToken cancellationToken)
    {
        var result = await _rpc.CallAsync(resolver, Ensip10.SupportsInterfaceCall(Ensip10.ExtendedResolverInterface), cancellationToken).ConfigureAwait(false);
        return result is EthCallResult.Returned returned && Ensip10.DecodeBool(returned.Data);
    }

    private static ProtocolError RpcError(EthCallResult result) => result switch
    {
        EthCallResult.Failed failed => new ProtocolError("ens.rpc_failed", failed.Reason),
        EthCallResult.Reverted => new ProtocolError("ens.reverted", "The registry call reverted."),
        _ => new ProtocolError("ens.rpc_failed", "Unexpected JSON-RPC outcome."),
    };
}
