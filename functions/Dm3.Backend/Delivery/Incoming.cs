using System.Text;
using System.Text.Json.Nodes;
using Dm3.Protocol.Json;

namespace Dm3.Backend.Delivery;

/// <summary>A page of the dm3 array (JSON text) and the opaque cursor of the next page, if any.</summary>
public sealed record IncomingPage(string EnvelopesJson, int Count, string? NextCursor);

/// <summary>One acknowledgement: <c>contactAddress</c> is really the sender name of deliveryInformation.from.</summary>
public sealed record Acknowledgement(string ContactAddress, string MessageHash);

/// <summary>How many acknowledgements were listed and how many envelopes they deleted (the rest were already gone).</summary>
public sealed record AcknowledgeResult(int Listed, int Deleted);

/// <summary>
/// <c>GET /delivery/messages/incoming/{name}</c> (paging per decisions §10: limit 1..1000, default 100; the cursor is
/// opaque base64url of the last position returned, see <see cref="InboxPosition"/>) and <c>POST /delivery/messages/{name}/syncAcknowledgements/</c>
/// (point deletes, idempotent). Both run after <see cref="Authenticator.AuthorizeAsync"/>.
/// </summary>
public sealed class IncomingMessages(InboxStore inbox)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxAcknowledgements = 1000;

    public async Task<DeliveryResult<IncomingPage>> ReadAsync(AuthenticatedName caller, string? limitText, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var limit = DefaultLimit;
        if (limitText is not null && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return new DeliveryError(DeliveryErrorKind.InvalidRequest, "paging.bad_limit", $"limit must be an integer from 1 to {MaxLimit}.");
        }

        InboxPosition? after = null;
        if (cursor is not null && !TryDecodeCursor(cursor, out after))
        {
            return new DeliveryError(DeliveryErrorKind.InvalidRequest, "paging.bad_cursor", "The cursor is not one this service issued.");
        }

        var page = await inbox.ReadAsync(caller.Address, limit, after, cancellationToken).ConfigureAwait(false);
        var json = new StringBuilder(page.Envelopes.Sum(e => e.Length + 1) + 2).Append('[');
        json.AppendJoin(',', page.Envelopes).Append(']');
        return new IncomingPage(json.ToString(), page.Envelopes.Count, page.ContinueAfter is { } next ? EncodeCursor(next) : null);
    }

    /// <summary>Parses <c>{acknowledgements:[{contactAddress, messageHash}]}</c> and deletes each listed envelope.</summary>
    public async Task<DeliveryResult<AcknowledgeResult>> AcknowledgeAsync(AuthenticatedName caller, string? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!TryParseAcknowledgements(body, out var acknowledgements, out var error))
        {
            return error;
        }

        var deleted = 0;
        foreach (var ack in acknowledgements)
        {
            if (await inbox.AcknowledgeAsync(caller.Address, ack.ContactAddress, ack.MessageHash, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return new AcknowledgeResult(acknowledgements.Count, deleted);
    }

    internal static string EncodeCursor(InboxPosition position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(position.ToString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static bool TryDecodeCursor(string cursor, out InboxPosition? position)
    {
        position = null;
        if (cursor.Length is 0 or > 700)
        {
            return false;
        }

        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        try
        {
            if (!InboxPosition.TryParse(Encoding.UTF8.GetString(Convert.FromBase64String(base64)), out var parsed))
            {
                return false;
            }

            position = parsed;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryParseAcknowledgements(string? body, out IReadOnlyList<Acknowledgement> acknowledgements, out DeliveryError error)
    {
        acknowledgements = [];
        error = new DeliveryError(DeliveryErrorKind.InvalidRequest, "ack.bad_body",
            $"The body must be {{\"acknowledgements\": [{{\"contactAddress\": string, \"messageHash\": string}}]}} with at most {MaxAcknowledgements} entries.");
        if (body is null || !CanonicalJson.TryParse(body, out var node, out _) || node is not JsonObject obj || obj["acknowledgements"] is not JsonArray array
            || array.Count > MaxAcknowledgements)
        {
            return false;
        }

        var list = new List<Acknowledgement>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonObject ack || ack["contactAddress"] is not JsonValue c || !c.TryGetValue(out string? contact)
                || ack["messageHash"] is not JsonValue h || !h.TryGetValue(out string? hash))
            {
                return false;
            }

            contact = DeliveryDirectory.Normalize(contact);
            if (!Protocol.Ens.EnsNameRules.TryValidateName(contact, out _) || !EnvelopeRef.IsHash(hash))
            {
                error = new DeliveryError(DeliveryErrorKind.InvalidRequest, "ack.bad_entry", "Each contactAddress must be a name and each messageHash 0x + 64 hex digits.");
                return false;
            }

            list.Add(new Acknowledgement(contact, hash));
        }

        acknowledgements = list;
        return true;
    }
}
