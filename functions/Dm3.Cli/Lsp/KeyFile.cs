using System.Text;
using Dm3.Client.State;
using Dm3.Client.Transport;

namespace Dm3.Cli.Lsp;

/// <summary>
/// The key file (lsp-cli.md §1): created with mode 0600 in a 0700 directory, refused when group- or world-readable,
/// written atomically (temporary file + rename).
/// </summary>
internal sealed class KeyFile(string path) : IClientStore
{
    private const UnixFileMode Forbidden = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public static string DefaultPath() =>
        Environment.GetEnvironmentVariable("DM3_KEYFILE") is { Length: > 0 } env ? env
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dm3", "keys.json");

    public async ValueTask<ClientState> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return new ClientState();
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(Path) & Forbidden) != 0)
        {
            throw new ClientException("keyfile_permissions", $"{Path} is readable by group or others; refusing to use it (chmod 600).");
        }

        return ClientState.Deserialize(await File.ReadAllTextAsync(Path, Encoding.UTF8, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask SaveAsync(ClientState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!System.IO.Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var temp = Path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(state.Serialize()), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, Path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
