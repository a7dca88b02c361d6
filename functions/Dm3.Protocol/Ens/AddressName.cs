using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Encoding;

namespace Dm3.Protocol.Ens;

/// <summary>
/// An address name <c>&lt;0x + 40 lower-case hex&gt;.addr.&lt;parent&gt;</c> (linked-profiles §1 LSP names).
/// The address bytes compare by content.
/// </summary>
public sealed record AddressName
{
    /// <summary>The label between the address and the parent.</summary>
    public const string AddrLabel = "addr";

    private AddressName(byte[] address, string parent)
    {
        Address = address;
        Parent = parent;
        Name = Hex.Encode(address) + "." + AddrLabel + "." + parent;
    }

    /// <summary>The 20 address bytes.</summary>
    public byte[] Address { get; }

    /// <summary>The parent name, e.g. <c>myapp.eth</c>.</summary>
    public string Parent { get; }

    /// <summary>The full name.</summary>
    public string Name { get; }

    /// <summary>Builds the name for an address under a parent; the parent must pass <see cref="EnsNameRules.TryValidateParentName"/>.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> address20, string? parent, [NotNullWhen(true)] out AddressName? value, [NotNullWhen(false)] out ProtocolError? error)
    {
        value = null;
        if (address20.Length != 20)
        {
            error = new ProtocolError("ens.address_name.bad_address", "An address has exactly 20 bytes.");
            return false;
        }

        if (!EnsNameRules.TryValidateParentName(parent, out error))
        {
            return false;
        }

        value = new AddressName(address20.ToArray(), parent!);
        return true;
    }

    /// <summary>Formats <c>0x…​.addr.&lt;parent&gt;</c>; throws <see cref="ProtocolFormatException"/> for a bad parent.</summary>
    public static string Format(ReadOnlySpan<byte> address20, string parent) =>
        TryCreate(address20, parent, out var value, out var error) ? value.Name : throw new ProtocolFormatException(error);

    /// <summary>Parses an address name; the address label must be lower-case and the parent a valid parent name.</summary>
    public static bool TryParse(string? name, [NotNullWhen(true)] out AddressName? value, [NotNullWhen(false)] out ProtocolError? error)
    {
        value = null;
        if (!EnsNameRules.TryValidateName(name, out error))
        {
            return false;
        }

        var first = name!.IndexOf('.', StringComparison.Ordinal);
        if (first < 0 || !EnsNameRules.IsAddressLabel(name.AsSpan(0, first)))
        {
            error = new ProtocolError("ens.address_name.no_address_label", "The first label is not 0x followed by 40 lower-case hex digits.");
            return false;
        }

        var rest = name.AsSpan(first + 1);
        if (!rest.StartsWith(AddrLabel + ".", StringComparison.Ordinal))
        {
            error = new ProtocolError("ens.address_name.no_addr_label", "The second label is not \"addr\" followed by a parent name.");
            return false;
        }

        var parent = rest[(AddrLabel.Length + 1)..].ToString();
        if (!EnsNameRules.TryValidateParentName(parent, out error))
        {
            return false;
        }

        value = new AddressName(Hex.Decode(name[..first]), parent);
        return true;
    }

    public bool Equals(AddressName? other) =>
        other is not null && Address.AsSpan().SequenceEqual(other.Address) && string.Equals(Parent, other.Parent, StringComparison.Ordinal);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Name;
}
