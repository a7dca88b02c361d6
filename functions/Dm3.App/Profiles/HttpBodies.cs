using System.Text;

namespace Dm3.App.Profiles;

/// <summary>Bounded body reads shared by the endpoints.</summary>
internal static class HttpBodies
{
    /// <summary>Reads the body as UTF-8 text; <c>TooLarge</c> when it exceeds <paramref name="maxBytes"/> (nothing more is read).</summary>
    public static async Task<(string? Text, bool TooLarge)> ReadTextAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, true);
        }

        var buffer = new byte[Math.Min(maxBytes + 1, (int?)request.ContentLength + 1 ?? 4096)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    return (null, true);
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxBytes + 1));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > maxBytes)
            {
                return (null, true);
            }
        }

        try
        {
            return (new UTF8Encoding(false, true).GetString(buffer, 0, length), false);
        }
        catch (DecoderFallbackException)
        {
            return (null, false);
        }
    }
}
