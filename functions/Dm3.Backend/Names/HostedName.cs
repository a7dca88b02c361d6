using Dm3.Backend.Apps;

namespace Dm3.Backend.Names;

public enum HostedNameKind
{
    /// <summary><c>&lt;address lower-case&gt;.addr.&lt;P&gt;</c>: a user profile.</summary>
    Address,

    /// <summary><c>ds.&lt;P&gt;</c> or the configured DS name: the delivery service's own profile.</summary>
    DeliveryService,
}

/// <summary>A name this deployment issues. <paramref name="Address"/> is the lower-case <c>0x</c> address for address names.</summary>
public sealed record HostedName(string Name, HostedNameKind Kind, AppDefinition App, string? Address);
