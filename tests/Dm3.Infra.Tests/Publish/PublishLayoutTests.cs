using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Dm3.App.Composition;
using Dm3.Infra.Tests.Support;

namespace Dm3.Infra.Tests.Publish;

/// <summary>
/// scripts/publish.sh produces the deployable custom-handler package (functions-custom-handler.md §7.3–§7.4):
/// host.json, one function.json folder per catalog function, a self-contained linux-x64 Dm3.App (not invariant
/// globalization, decisions §18), and a zip whose executable keeps mode 0755.
/// </summary>
public sealed class PublishLayoutTests : IClassFixture<PublishLayoutTests.PublishedPackage>
{
    private readonly PublishedPackage _published;

    public PublishLayoutTests(PublishedPackage published) => _published = published;

    [Fact]
    public void Package_holds_host_json_and_one_function_json_per_catalog_function()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "host.json")), File.ReadAllText(Path.Combine(_published.Package, "host.json")));
        var expected = Features.BuildCatalog().Active(_ => false).Select(f => f.Name).Order(StringComparer.Ordinal).ToList();
        var folders = Directory.GetDirectories(_published.Package)
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .Select(d => Path.GetFileName(d)!)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, folders);
        Assert.NotEmpty(folders);
        foreach (var folder in folders)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_published.Package, folder, "function.json")));
            var trigger = json.RootElement.GetProperty("bindings")[0].GetProperty("type").GetString();
            Assert.Contains(trigger, new[] { "httpTrigger", "serviceBusTrigger", "timerTrigger" });
        }
        Assert.False(File.Exists(Path.Combine(_published.Package, "local.settings.json")));
    }

    [Fact]
    public void Handler_is_a_self_contained_linux_x64_executable_without_invariant_globalization()
    {
        var executable = Path.Combine(_published.Package, "Dm3.App");
        var header = File.ReadAllBytes(executable).AsSpan(0, 20).ToArray();
        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        Assert.Equal(0x3E, header[18]); // e_machine = x86-64
        Assert.True(File.Exists(Path.Combine(_published.Package, "libcoreclr.so")), "the .NET runtime is not in the package");
        Assert.True(File.Exists(Path.Combine(_published.Package, "Microsoft.AspNetCore.dll")), "ASP.NET Core is not in the package");
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(executable).HasFlag(UnixFileMode.UserExecute));
        }

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_published.Package, "Dm3.App.runtimeconfig.json")));
        var options = config.RootElement.GetProperty("runtimeOptions");
        Assert.True(options.TryGetProperty("includedFrameworks", out _), "not self-contained");
        Assert.False(options.GetProperty("configProperties").TryGetProperty("System.Globalization.Invariant", out var invariant) && invariant.GetBoolean());
    }

    [Fact]
    public void Zip_holds_the_same_files_and_keeps_the_executable_bit()
    {
        using var zip = ZipFile.OpenRead(_published.Zip);
        var files = Directory.GetFiles(_published.Package, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_published.Package, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(files, zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));

        var mode = (zip.GetEntry("Dm3.App")!.ExternalAttributes >> 16) & 0xFFFF;
        Assert.Equal(Convert.ToInt32("100755", 8), mode);
        Assert.All(zip.Entries.Where(e => e.FullName != "Dm3.App"), e => Assert.Equal(Convert.ToInt32("100644", 8), (e.ExternalAttributes >> 16) & 0xFFFF));
        Assert.NotNull(zip.GetEntry("host.json"));
    }

    [Fact]
    public void Published_handler_writes_the_same_function_json_as_the_catalog_for_storage_queues()
    {
        var output = Path.Combine(_published.Root, "sq");
        var (code, _, stderr) = PublishedPackage.Run(Path.Combine(_published.Package, "Dm3.App"), ["functions-json", "--out", output, "--transport", "storageQueues"], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stderr);
        var queueFunctions = Directory.GetFiles(output, "function.json", SearchOption.AllDirectories)
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("bindings")[0])
            .Where(b => b.GetProperty("type").GetString() == "queueTrigger")
            .ToList();
        Assert.NotEmpty(queueFunctions);
        Assert.All(queueFunctions, b => Assert.Equal("Storage", b.GetProperty("connection").GetString()));
    }

    /// <summary>Runs scripts/publish.sh once for the class into a temporary folder.</summary>
    public sealed class PublishedPackage : IDisposable
    {
        public PublishedPackage()
        {
            Root = Directory.CreateTempSubdirectory("dm3-publish-").FullName;
            var (code, stdout, stderr) = Run(Path.Combine(Repository.Root, "scripts", "publish.sh"), ["--out", Root], TimeSpan.FromMinutes(8));
            if (code != 0)
            {
                throw new InvalidOperationException($"scripts/publish.sh failed ({code}):\n{stderr}\n{stdout}");
            }
        }

        public string Root { get; }

        public string Package => Path.Combine(Root, "package");

        public string Zip => Path.Combine(Root, "package.zip");

        public void Dispose() => Directory.Delete(Root, recursive: true);

        internal static (int Code, string Stdout, string Stderr) Run(string file, string[] args, TimeSpan timeout)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} did not finish within {timeout}.");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
