using System.Diagnostics.CodeAnalysis;

namespace Dm3.Protocol.Ens;

/// <summary>Delivery-service names of an app: <c>ds.&lt;parent&gt;</c>.</summary>
public static class DsName
{
    /// <summary>The first label of a delivery-service name.</summary>
    public const string Label = "ds";

    /// <summary>Formats <c>ds.&lt;parent&gt;</c>; throws <see cref="ProtocolFormatException"/> for an invalid parent.</summary>
    public static string Format(string parent) =>
        EnsNameRules.TryValidateParentName(parent, out var error) ? Label + "." + parent : throw new ProtocolFormatException(error);

    /// <summary>Parses <c>ds.&lt;parent&gt;</c> and returns the parent (which must be a valid parent name).</summary>
    public static bool TryParse(string? name, [NotNullWhen(true)] out string? parent, [NotNullWhen(false)] out ProtocolError? error)
    {
        parent = null;
        if (!EnsNameRules.TryValidateName(name, out error))
        {
            return false;
        }

        if (!name!.StartsWith(Label + ".", StringComparison.Ordinal))
        {
            error = new ProtocolError("ens.ds_name.no_ds_label", "The first label is not \"ds\".");
            return false;
        }

        var candidate = name[(Label.Length + 1)..];
        if (!EnsNameRules.TryValidateParentName(candidate, out error))
        {
            return false;
        }

        parent = candidate;
        return true;
    }
}
