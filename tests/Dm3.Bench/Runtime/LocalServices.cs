using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Dm3.Adapters.Queues;
using Dm3.Adapters.Storage;
using Dm3.Adapters.Tables;

namespace Dm3.Bench.Runtime;

/// <summary>An in-memory Azurite on free ports (node_modules/.bin/azurite), started for one suite.</summary>
internal sealed class LocalAzurite : IAsyncDisposable
{
    private readonly ServiceProcess _process;
    private readonly string _location;

    private LocalAzurite(ServiceProcess process, string location, int tablePort, int queuePort, int blobPort)
    {
        _process = process;
        _location = location;
        TableEndpoint = new Uri($"http://127.0.0.1:{tablePort}/{StorageConnection.DevelopmentAccountName}");
        QueueEndpoint = new Uri($"http://127.0.0.1:{queuePort}/{StorageConnection.DevelopmentAccountName}");
        BlobEndpoint = new Uri($"http://127.0.0.1:{blobPort}/{StorageConnection.DevelopmentAccountName}");
    }

    public Uri TableEndpoint { get; }

    public Uri QueueEndpoint { get; }

    public Uri BlobEndpoint { get; }

    public int ProcessId => _process.Id;

    /// <summary>The SharedKey connection string (Azurite's public development key), optionally with another table endpoint.</summary>
    public string ConnectionString(Uri? tableEndpoint = null) =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={StorageConnection.DevelopmentAccountKey};"
        + $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={tableEndpoint ?? TableEndpoint};";

    public StorageConnection Connection(Uri? tableEndpoint = null) => StorageConnection.Parse(ConnectionString(tableEndpoint));

    /// <summary>The SDK table service client the program registers (same options), for this Azurite.</summary>
    public TableServiceClient TableService() => new(ConnectionString(), TableServiceStore.CreateOptions());

    /// <summary>The program's Table adapter on this Azurite.</summary>
    public TableServiceStore Tables() => new(TableService());

    /// <summary>The program's queue adapter on this Azurite.</summary>
    public StorageQueueService Queues() => new(new QueueServiceClient(ConnectionString(), StorageQueueService.CreateOptions()));

    public static async Task<LocalAzurite> StartAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        var azurite = Path.Combine(repositoryRoot, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"{azurite} is missing: run `npm ci` (scripts/bench.sh does).");
        }

        var (table, queue, blob) = (BenchMachine.FreePort(), BenchMachine.FreePort(), BenchMachine.FreePort());
        var location = Directory.CreateTempSubdirectory("dm3-bench-azurite-").FullName; // working directory (in-memory Azurite rejects --location)
        var process = ServiceProcess.Start("Azurite", azurite,
        [
            "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ], new Dictionary<string, string>(), location);
        var result = new LocalAzurite(process, location, table, queue, blob);
        try
        {
            await process.WaitReadyAsync(ct => Task.FromResult(Accepts(table) && Accepts(queue)), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>Our backend (functions/Dm3.Host, the standalone host) as a separate process.</summary>
internal sealed class BackendProcess : IAsyncDisposable
{
    private readonly ServiceProcess _process;
    private readonly string _workDirectory;

    private BackendProcess(ServiceProcess process, string workDirectory, Uri url)
    {
        _process = process;
        _workDirectory = workDirectory;
        Url = url;
    }

    public Uri Url { get; }

    public int ProcessId => _process.Id;

    public string Output => _process.Output;

    /// <summary>
    /// The built Dm3.Host.dll to run: DM3_HOST_DLL, else functions/Dm3.Host/bin/&lt;configuration of this bench build&gt;/net10.0
    /// (scripts/bench.sh builds Release, which builds the app in Release too).
    /// </summary>
    public static string HostDll(string repositoryRoot)
    {
        if (Environment.GetEnvironmentVariable("DM3_HOST_DLL") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        var configuration = typeof(BackendProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dll = Path.Combine(repositoryRoot, "functions", "Dm3.Host", "bin", configuration, "net10.0", "Dm3.Host.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build first (scripts/bench.sh builds Release).");
        }

        return dll;
    }

    /// <summary>Throw-away service keys in the formats the backend reads (DS X25519/Ed25519 seeds, token secret, owner-index key).</summary>
    public static Dictionary<string, string> TestKeys() => new()
    {
        ["DeliveryService__EncryptionPrivateKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["DeliveryService__SigningPrivateKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["DeliveryService__TokenSecret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Links__OwnerIndexKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>A random valid secp256k1 private key (gateway signer, wallets).</summary>
    public static byte[] RandomSecp256k1Key()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(32);
            if (Dm3.Protocol.Crypto.Secp256k1.IsValidPrivateKey(key))
            {
                return key;
            }
        }
    }

    /// <summary>
    /// Starts `dotnet Dm3.Host.dll` on a free port with <paramref name="settings"/> (environment form) and waits for
    /// GET /health = 200. Request logging is at Warning (as a deployment would configure it), dev keys off.
    /// </summary>
    public static async Task<BackendProcess> StartStandaloneAsync(string repositoryRoot, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        // A caller that must know the URL before start-up (e.g. for an OffchainResolver's gateway URL) passes ASPNETCORE_URLS.
        var url = new Uri(settings.TryGetValue("ASPNETCORE_URLS", out var given) ? given : $"http://127.0.0.1:{BenchMachine.FreePort()}");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/'),
            ["PublicBaseUrl"] = url.ToString().TrimEnd('/'),
            ["DevKeys__Enabled"] = "false",
            ["Timers__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var workDirectory = Directory.CreateTempSubdirectory("dm3-bench-backend-").FullName;
        var process = ServiceProcess.Start("backend", "dotnet", [HostDll(repositoryRoot)], environment, workDirectory);
        var backend = new BackendProcess(process, workDirectory, url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await process.WaitReadyAsync(async ct =>
            {
                using var response = await http.GetAsync(new Uri(url, "/health"), ct);
                return response.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(200), cancellationToken);
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }

        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
