using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Dm3.Protocol.Json;

namespace Dm3.Protocol.Messaging;

/// <summary>
/// dm3 <c>DeliveryInformation</c> <c>{to, from, deliveryInstruction?}</c> (W§8.1): encrypted to the delivery service by
/// the sender; stored decrypted by the delivery service. Closed object.
/// </summary>
public sealed record DeliveryInformation(string To, string From, string? DeliveryInstruction = null)
{
    private const string What = "deliveryInformation";
    private static readonly string[] Required = ["to", "from"];
    private static readonly string[] Optional = ["deliveryInstruction"];

    public JsonObject ToJsonObject()
    {
        var o = new JsonObject();
        if (DeliveryInstruction is not null)
        {
            o["deliveryInstruction"] = DeliveryInstruction;
        }

        o["from"] = From;
        o["to"] = To;
        return o;
    }

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJsonObject());

    public static bool TryParse(string? json, [NotNullWhen(true)] out DeliveryInformation? info, [NotNullWhen(false)] out ProtocolError? error)
    {
        info = null;
        return JsonShape.TryParseObject(json, What, out var obj, out error) && TryFromJson(obj, out info, out error);
    }

    public static bool TryFromJson(JsonNode? node, [NotNullWhen(true)] out DeliveryInformation? info, [NotNullWhen(false)] out ProtocolError? error)
    {
        info = null;
        if (!JsonShape.TryObject(node, What, out var obj, out error)
            || !JsonShape.CheckMembers(obj, What, Required, Optional, out error)
            || !JsonShape.TryString(obj, What, "to", out var to, out error)
            || !JsonShape.TryString(obj, What, "from", out var from, out error)
            || !JsonShape.TryOptionalString(obj, What, "deliveryInstruction", out var instruction, out error))
        {
            return false;
        }

        info = new DeliveryInformation(to, from, instruction);
        return true;
    }
}
