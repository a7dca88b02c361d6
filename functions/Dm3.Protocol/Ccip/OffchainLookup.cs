using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Abi;

namespace Dm3.Protocol.Ccip;

/// <summary>The arguments of <c>OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callbackFunction, bytes extraData)</c>.</summary>
public sealed record OffchainLookupData(byte[] Sender, IReadOnlyList<string> Urls, byte[] CallData, uint CallbackFunction, byte[] ExtraData)
{
    public bool Equals(OffchainLookupData? other) =>
        other is not null && Sender.AsSpan().SequenceEqual(other.Sender) && Urls.SequenceEqual(other.Urls, StringComparer.Ordinal)
        && CallData.AsSpan().SequenceEqual(other.CallData) && CallbackFunction == other.CallbackFunction && ExtraData.AsSpan().SequenceEqual(other.ExtraData);

    public override int GetHashCode() => HashCode.Combine(CallbackFunction, CallData.Length);
}

/// <summary>EIP-3668 <c>OffchainLookup</c> revert data as the two resolver families emit it (W§12.1).</summary>
public static class OffchainLookup
{
    private static readonly AbiType[] ArgTypes = [AbiType.Address, AbiType.StringArray, AbiType.Bytes, AbiType.Bytes4, AbiType.Bytes];

    /// <summary>Encodes the revert data: selector 0x556f1830 followed by the ABI arguments.</summary>
    public static byte[] EncodeRevertData(OffchainLookupData lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        Span<byte> callback = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(callback, lookup.CallbackFunction);
        return AbiCodec.EncodeCall(
            Selectors.OffchainLookup,
            new AbiValue.Address(lookup.Sender),
            AbiValue.List.OfStrings(lookup.Urls),
            new AbiValue.Bytes(lookup.CallData),
            new AbiValue.FixedBytes(callback),
            new AbiValue.Bytes(lookup.ExtraData));
    }

    /// <summary>
    /// What a resolver of <paramref name="family"/> at <paramref name="resolver20"/> reverts with for
    /// <c>resolve(dnsName, data)</c>: ENS family callData = <c>resolve(…)</c>, extraData = <c>abi.encode(callData, resolver)</c>;
    /// dm3 family callData = extraData = <c>resolveWithContext(…, context)</c>. Callback: <c>resolveWithProof</c> for both.
    /// </summary>
    public static OffchainLookupData ForResolver(
        ResolverFamily family,
        ReadOnlySpan<byte> resolver20,
        IReadOnlyList<string> urls,
        ReadOnlySpan<byte> dnsName,
        ReadOnlySpan<byte> data,
        ReadOnlySpan<byte> context = default)
    {
        var callData = CcipCalls.Outer(family, dnsName, data, context);
        var extraData = family == ResolverFamily.EnsOffchainResolver ? CcipCalls.EnsExtraData(callData, resolver20) : callData;
        return new OffchainLookupData(resolver20.ToArray(), [.. urls], callData, Selectors.ResolveWithProof, extraData);
    }

    /// <summary>Decodes revert data (strict ABI); never throws.</summary>
    public static bool TryDecodeRevertData(ReadOnlySpan<byte> revertData, [NotNullWhen(true)] out OffchainLookupData? lookup, [NotNullWhen(false)] out ProtocolError? error)
    {
        lookup = null;
        if (!AbiCodec.TryDecodeCall(revertData, Selectors.OffchainLookup, ArgTypes, out var v, out error))
        {
            return false;
        }

        lookup = new OffchainLookupData(
            ((AbiValue.Address)v[0]).Value,
            [.. ((AbiValue.List)v[1]).Items.Select(i => ((AbiValue.Text)i).Value)],
            ((AbiValue.Bytes)v[2]).Value,
            BinaryPrimitives.ReadUInt32BigEndian(((AbiValue.FixedBytes)v[3]).Value),
            ((AbiValue.Bytes)v[4]).Value);
        return true;
    }
}
