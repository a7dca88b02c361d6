using System.CommandLine;
using System.Text;

namespace Dm3.Cli.Interop;

/// <summary>
/// <c>dm3 interop produce|verify</c>: live interop with the dm3 npm libraries (driven by tests/interop/crypto.test.mjs).
/// The JSON documents carry private keys of throw-away test identities only.
/// </summary>
internal static class InteropCommand
{
    /// <summary>Exit code when every check passed.</summary>
    public const int Agreed = 0;

    /// <summary>Exit code when at least one check disagreed.</summary>
    public const int Disagreed = 1;

    /// <summary>Exit code when the input could not be read at all.</summary>
    public const int BadInput = 2;

    public static Command Create()
    {
        var interop = new Command("interop", "Produce or verify dm3 artefacts for cross-checking with the dm3 npm libraries.");
        interop.Subcommands.Add(CreateProduce());
        interop.Subcommands.Add(CreateVerify());
        return interop;
    }

    private static Command CreateProduce()
    {
        var output = new Option<FileInfo?>("--out") { Description = "Write the JSON here instead of standard output." };
        var produce = new Command("produce", "Random wallet, profile, receiver and delivery-service keys; a signed message in envelopes of both hash-field forms. Prints JSON including TEST private keys.");
        produce.Options.Add(output);
        produce.SetAction(parseResult =>
        {
            var json = InteropProducer.Produce().ToJson();
            var file = parseResult.GetValue(output);
            if (file is null)
            {
                Console.Out.WriteLine(json);
            }
            else
            {
                File.WriteAllText(file.FullName, json + "\n", new UTF8Encoding(false));
            }

            return Agreed;
        });
        return produce;
    }

    private static Command CreateVerify()
    {
        var input = new Option<FileInfo>("--in") { Description = "JSON produced with the dm3 libraries (see tests/interop/crypto.test.mjs).", Required = true };
        var verify = new Command("verify", "Verify a SignedUserProfile and decrypt and verify envelopes produced by the dm3 libraries. Prints a JSON report; exits 1 on any disagreement, 2 on unreadable input.");
        verify.Options.Add(input);
        verify.SetAction(parseResult =>
        {
            var file = parseResult.GetRequiredValue(input);
            string text;
            try
            {
                text = File.ReadAllText(file.FullName, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"dm3 interop verify: cannot read {file.FullName}: {e.Message}");
                return BadInput;
            }

            var report = InteropVerifier.Verify(text);
            Console.Out.WriteLine(report.ToJson());
            return report.InputReadable ? (report.Ok ? Agreed : Disagreed) : BadInput;
        });
        return verify;
    }
}
