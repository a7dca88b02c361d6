using System.Diagnostics;
using System.Text.RegularExpressions;
using Dm3.Infra.Tests.Support;
using Org.BouncyCastle.Crypto.Parameters;

namespace Dm3.Infra.Tests;

/// <summary>
/// infra/scripts/ensure-secrets.sh produces key material in the formats of decisions §23 and
/// dm3-wire-formats.md §0 (needs sh and openssl, as a deployer's machine does).
/// </summary>
public sealed partial class SecretGenerationScriptTests
{
    private static readonly string s_script = Path.Combine(Repository.Infra, "scripts", "ensure-secrets.sh");

    internal static (int ExitCode, string Stdout, string Stderr) Run(IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("sh", [s_script, "--export"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in new[] { "DM3_DS_ENCRYPTION_PRIVATE_KEY", "DM3_DS_SIGNING_PRIVATE_KEY", "DM3_DS_TOKEN_SECRET", "DM3_OWNER_INDEX_KEY", "KEY_VAULT_NAME", "DM3_ALLOW_NEW_SECRETS" })
        {
            start.Environment.Remove(name);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("sh could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(30_000), "ensure-secrets.sh did not finish");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    internal static Dictionary<string, byte[]> Exports(string stdout) =>
        ExportLine().Matches(stdout).ToDictionary(m => m.Groups[1].Value, m => Convert.FromBase64String(m.Groups[2].Value));

    [Fact]
    public void Script_generates_all_four_secrets_with_the_right_sizes()
    {
        var (exitCode, stdout, stderr) = Run(new Dictionary<string, string>());
        Assert.True(exitCode == 0, stderr);
        var secrets = Exports(stdout);
        Assert.Equal(32, secrets["DM3_DS_ENCRYPTION_PRIVATE_KEY"].Length);
        Assert.Equal(64, secrets["DM3_DS_SIGNING_PRIVATE_KEY"].Length);
        Assert.Equal(32, secrets["DM3_DS_TOKEN_SECRET"].Length);
        Assert.Equal(32, secrets["DM3_OWNER_INDEX_KEY"].Length);
        Assert.Equal(4, secrets.Values.Select(Convert.ToBase64String).Distinct().Count());
    }

    [Fact]
    public void Generated_ed25519_key_is_seed_followed_by_its_own_public_key()
    {
        var (exitCode, stdout, stderr) = Run(new Dictionary<string, string>());
        Assert.True(exitCode == 0, stderr);
        var key = Exports(stdout)["DM3_DS_SIGNING_PRIVATE_KEY"];
        var derived = new Ed25519PrivateKeyParameters(key, 0).GeneratePublicKey().GetEncoded();
        Assert.Equal(derived, key[32..]);
    }

    [Fact]
    public void Script_keeps_values_that_are_already_set()
    {
        var (exitCode, stdout, stderr) = Run(new Dictionary<string, string>
        {
            ["DM3_DS_ENCRYPTION_PRIVATE_KEY"] = Convert.ToBase64String(new byte[32]),
            ["DM3_DS_TOKEN_SECRET"] = Convert.ToBase64String(new byte[32]),
        });
        Assert.True(exitCode == 0, stderr);
        Assert.Equal(["DM3_DS_SIGNING_PRIVATE_KEY", "DM3_OWNER_INDEX_KEY"], Exports(stdout).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Script_refuses_to_replace_secrets_of_a_provisioned_environment()
    {
        var (exitCode, stdout, stderr) = Run(new Dictionary<string, string> { ["KEY_VAULT_NAME"] = "kv-existing" });
        Assert.NotEqual(0, exitCode);
        Assert.Empty(Exports(stdout));
        Assert.Contains("kv-existing", stderr, StringComparison.Ordinal);

        var (forcedExit, forcedOut, forcedErr) = Run(new Dictionary<string, string> { ["KEY_VAULT_NAME"] = "kv-existing", ["DM3_ALLOW_NEW_SECRETS"] = "1" });
        Assert.True(forcedExit == 0, forcedErr);
        Assert.Equal(4, Exports(forcedOut).Count);
    }

    [GeneratedRegex(@"^export (DM3_[A-Z0-9_]+)='([A-Za-z0-9+/=]+)'$", RegexOptions.Multiline)]
    private static partial Regex ExportLine();
}
