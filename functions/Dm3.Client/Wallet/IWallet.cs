using Dm3.Protocol.Crypto;

namespace Dm3.Client.Wallet;

/// <summary>
/// The owner's wallet as the component sees it: an address and EIP-191 <c>personal_sign</c>. A browser or hardware
/// wallet implements this in a real app; <see cref="PrivateKeyWallet"/> is the in-process key of the CLI and tests.
/// </summary>
public interface IWallet
{
    /// <summary>The 20-byte account address.</summary>
    byte[] Address { get; }

    /// <summary>EIP-191 signature (0x-hex, 65 bytes) over the UTF-8 text. The wallet shows the text to its user.</summary>
    ValueTask<string> SignPersonalAsync(string text, CancellationToken cancellationToken);
}

/// <summary>An in-process secp256k1 key. Never prints the key.</summary>
public sealed class PrivateKeyWallet : IWallet
{
    private readonly byte[] _key;

    public PrivateKeyWallet(ReadOnlySpan<byte> privateKey32)
    {
        if (!Secp256k1.IsValidPrivateKey(privateKey32))
        {
            throw new ArgumentException("Not a valid secp256k1 private key.", nameof(privateKey32));
        }

        _key = privateKey32.ToArray();
        Address = Ethereum.AddressFromPrivateKey(_key);
    }

    public byte[] Address { get; }

    public string AddressText => Ethereum.ToChecksumAddress(Address);

    public static PrivateKeyWallet Random() => new(Protocol.Links.LspKeyDerivation.FromNewEntropy().WalletPrivateKey);

    public ValueTask<string> SignPersonalAsync(string text, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Ethereum.PersonalSign(_key, text));

    /// <summary>Signs without a UI: for keys this library derived itself (LSP wallet, temporary profile).</summary>
    internal string Sign(string text) => Ethereum.PersonalSign(_key, text);

    public override string ToString() => $"PrivateKeyWallet({AddressText})";
}
