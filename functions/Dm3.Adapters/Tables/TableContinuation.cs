using System.Text;

namespace Dm3.Adapters.Tables;

/// <summary>
/// The SDK's continuation token (next partition and row key) packed into one opaque base64url string with a version
/// prefix, so a cursor that did not come from this adapter is refused before it reaches the service.
/// </summary>
internal static class TableContinuation
{
    private const string Prefix = "t2.";
    private const int MaxLength = 4096;

    public static string Encode(string sdkToken) =>
        Prefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(sdkToken)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string? token, out string sdkToken)
    {
        sdkToken = "";
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > MaxLength)
        {
            return false;
        }
        var b64 = token[Prefix.Length..].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
        var bytes = new byte[b64.Length];
        if (!Convert.TryFromBase64String(b64, bytes, out var written) || written == 0)
        {
            return false;
        }
        try
        {
            sdkToken = new UTF8Encoding(false, true).GetString(bytes, 0, written);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
