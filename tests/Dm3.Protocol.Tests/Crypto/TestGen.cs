using FsCheck;
using FsCheck.Fluent;

namespace Dm3.Protocol.Tests.Crypto;

/// <summary>FsCheck generators shared by the primitive property tests.</summary>
internal static class TestGen
{
    public static Gen<byte> Byte { get; } = Gen.Choose(0, 255).Select(static i => (byte)i);

    public static Gen<byte[]> Bytes(int length) => Gen.ArrayOf(Byte, length);

    public static Gen<byte[]> AnyBytes { get; } = Gen.Choose(0, 300).SelectMany(n => Gen.ArrayOf(Byte, n));

    public static Gen<byte[]> Secp256k1PrivateKey { get; } = Bytes(32).Where(static k => Dm3.Protocol.Crypto.Secp256k1.IsValidPrivateKey(k));
}
