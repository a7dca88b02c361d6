using System.Text;
using System.Text.Json.Nodes;

namespace Dm3.App.Tests.Runtime.Support;

/// <summary>Pipeline message bodies (<c>{"id","kind","ref"}</c>) as the publisher writes them.</summary>
internal static class PipelineBodies
{
    public static byte[] Json(string id, string reference, string kind = "diagnostic") =>
        Encoding.UTF8.GetBytes(new JsonObject { ["id"] = id, ["kind"] = kind, ["ref"] = reference }.ToJsonString());
}
