using System.Net;
using System.Net.Sockets;

namespace Dm3.Adapters.Outbound;

/// <summary>Classifies IP addresses for the outbound policy (decisions §36).</summary>
internal static class AddressPolicy
{
    /// <summary>Null when <paramref name="address"/> may be connected to; otherwise the kind of address that is refused.</summary>
    public static string? Refusal(IPAddress address, bool allowPrivate)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return Refusal(address.MapToIPv4(), allowPrivate);
        }

        var kind = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address),
            _ => Kind.Reserved,
        };

        return kind switch
        {
            Kind.Public => null,
            Kind.Loopback or Kind.Private or Kind.Cgnat or Kind.UniqueLocal when allowPrivate => null,
            _ => Describe(kind),
        };
    }

    private enum Kind { Public, Loopback, Private, Cgnat, UniqueLocal, LinkLocal, Multicast, Unspecified, Reserved }

    private static Kind ClassifyV4(byte[] b) => b switch
    {
        [0, ..] => Kind.Unspecified,
        [127, ..] => Kind.Loopback,
        [10, ..] => Kind.Private,
        [172, >= 16 and <= 31, ..] => Kind.Private,
        [192, 168, ..] => Kind.Private,
        [100, >= 64 and <= 127, ..] => Kind.Cgnat,
        [169, 254, ..] => Kind.LinkLocal,
        [>= 224 and <= 239, ..] => Kind.Multicast,
        [>= 240, ..] => Kind.Reserved,
        [192, 0, 0, _] or [192, 0, 2, _] or [198, 18 or 19, ..] or [198, 51, 100, _] or [203, 0, 113, _] => Kind.Reserved,
        _ => Kind.Public,
    };

    private static Kind ClassifyV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Any))
        {
            return Kind.Unspecified;
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return Kind.Loopback;
        }

        var b = address.GetAddressBytes();
        if (b[0] == 0xff)
        {
            return Kind.Multicast;
        }

        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return Kind.LinkLocal;
        }

        if ((b[0] & 0xfe) == 0xfc)
        {
            return Kind.UniqueLocal;
        }

        // Addresses that embed an IPv4 address: NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::/96.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b[12..]);
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(b[2..6]);
        }

        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b[12..]);
        }

        return Kind.Public;
    }

    private static string Describe(Kind kind) => kind switch
    {
        Kind.Loopback => "a loopback address",
        Kind.Private => "a private address",
        Kind.Cgnat => "a shared (CGNAT) address",
        Kind.UniqueLocal => "a unique-local address",
        Kind.LinkLocal => "a link-local address",
        Kind.Multicast => "a multicast address",
        Kind.Unspecified => "an unspecified address",
        _ => "a reserved address",
    };
}
