using Dm3.Protocol;

namespace Dm3.Backend.Delivery;

/// <summary>
/// Why a delivery-service request was refused. The app maps each kind to one JSON-RPC code (wire formats §10.3) or one
/// HTTP status, in one place each.
/// </summary>
public enum DeliveryErrorKind
{
    /// <summary>Malformed input outside JSON-RPC params (bad body, bad cursor): JSON-RPC -32600 / HTTP 400.</summary>
    InvalidRequest,

    /// <summary>Bad params, including an envelope that fails its schema or its sender signature: -32602 / 400.</summary>
    InvalidParams,

    /// <summary>A receiver spam rule rejected the envelope: -32010 / 400.</summary>
    SpamRejected,

    /// <summary>The canonical envelope exceeds sizeLimit: -32011 / 400.</summary>
    TooLarge,

    /// <summary>The receiver has no account here, or its name is not one this deployment hosts: -32012 / 400 (HTTP routes: 404).</summary>
    UnknownReceiver,

    /// <summary>deliveryInformation cannot be decrypted with the delivery service's key: -32013 / 400.</summary>
    Undecryptable,

    /// <summary>A hosted-looking name has no record (it does not resolve): -32014 / 400.</summary>
    NameNotResolved,

    /// <summary>Missing, forged, expired or other-name token; bad challenge signature; replayed challenge: HTTP 401.</summary>
    Unauthorized,

    /// <summary>The submitted profile is validly signed but is not the one the name currently resolves to: HTTP 409.</summary>
    Conflict,
}

/// <summary>An expected refusal: kind, a short machine code and a message that never repeats secrets.</summary>
public sealed record DeliveryError(DeliveryErrorKind Kind, string Code, string Message)
{
    public static DeliveryError From(DeliveryErrorKind kind, ProtocolError error) => new(kind, error.Code, error.Message);
}

/// <summary>A value or the reason there is none.</summary>
public readonly record struct DeliveryResult<T>(T? Value, DeliveryError? Error)
    where T : class
{
    public bool IsOk => Error is null;

    public static implicit operator DeliveryResult<T>(T value) => new(value, null);

    public static implicit operator DeliveryResult<T>(DeliveryError error) => new(null, error);
}
