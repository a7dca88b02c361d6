using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Dm3.Adapters.Queues;

/// <summary>
/// Builds and reads queue MessageText in the form the Functions queue trigger expects by default
/// (<c>messageEncoding: base64</c>): base64 of the UTF-8 JSON.
/// </summary>
public static class QueueMessageText
{
    /// <summary>Largest MessageText the service accepts (64 KiB).</summary>
    public const int MaxMessageTextLength = 64 * 1024;

    public static string FromUtf8Json(ReadOnlySpan<byte> utf8Json) => Convert.ToBase64String(utf8Json);

    public static string FromJson(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    public static string FromObject<T>(T value, JsonSerializerOptions? options = null) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value, options));

    /// <summary>Decodes a base64 MessageText to its UTF-8 text. False for text that is not strict base64 or not UTF-8.</summary>
    public static bool TryDecode(string? messageText, [NotNullWhen(true)] out string? utf8Text)
    {
        utf8Text = null;
        if (messageText is null)
        {
            return false;
        }
        var buffer = new byte[(messageText.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(messageText, buffer, out var written))
        {
            return false;
        }
        try
        {
            utf8Text = new UTF8Encoding(false, true).GetString(buffer, 0, written);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
