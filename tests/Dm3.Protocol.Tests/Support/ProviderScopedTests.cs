using Dm3.Protocol.Crypto.Providers;

namespace Dm3.Protocol.Tests.Support;

/// <summary>
/// Base of every test class whose code runs on a crypto provider: each such class is abstract and has one sealed
/// subclass per provider (<c>…OnBouncyCastle</c>, <c>…OnLibsodium</c>), so every vector and property runs on both.
/// The provider is put in effect for the test's flow only (<see cref="CryptoProvider.Use"/>), so classes on different
/// providers run in parallel without seeing each other's.
/// </summary>
public abstract class ProviderScopedTests : IDisposable
{
    private readonly IDisposable _scope;

    protected ProviderScopedTests(ICryptoProvider provider)
    {
        Provider = provider;
        _scope = CryptoProvider.Use(provider);
    }

    protected ICryptoProvider Provider { get; }

    [Fact]
    public void Tests_of_this_class_run_on_its_provider() => Assert.Same(Provider, CryptoProvider.Current);

    public void Dispose()
    {
        _scope.Dispose();
        GC.SuppressFinalize(this);
    }
}
