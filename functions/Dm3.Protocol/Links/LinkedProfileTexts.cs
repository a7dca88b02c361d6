using System.Diagnostics.CodeAnalysis;
using Dm3.Protocol.Siwe;

namespace Dm3.Protocol.Links;

/// <summary>Fixed texts, resources and limits of linked-profiles §3.1, §5.2, §8.2, §9.3 and §11.</summary>
public static class LinkedProfileTexts
{
    public const string CreateResource = "urn:dm3:lsp:create:v1";
    public const string AppResourcePrefix = "urn:dm3:lsp:app:";
    public const string ScopeResourcePrefix = "urn:dm3:lsp:scope:";
    public const string LspProfileResourcePrefix = "urn:dm3:lsp:profile:";
    public const string LinkTypeResourcePrefix = "urn:dm3:link:type:";
    public const string LinkProfileResourcePrefix = "urn:dm3:link:profile:";
    public const string LinkMainResourcePrefix = "urn:dm3:link:main:";
    public const string LinkProfileHashResourcePrefix = "urn:dm3:link:profile-hash:";
    public const string LinkRequesterResourcePrefix = "urn:dm3:link:requester:";

    public const string LinkStatement = "Link a dm3 app profile to your dm3 account. This sends no transaction and costs no fee.";
    public const string LinkRecoverStatement = "Recover a linked dm3 app profile from your dm3 account. This sends no transaction and costs no fee.";

    public static string CreationStatement(string appParentName) =>
        $"Create your dm3 app profile for {appParentName}. Its keys are derived from this signature. Sign this only inside the dm3 messaging component.";

    public static string OwnerProofStatement(string appParentName) => $"Allow this app to manage your dm3 app profile for {appParentName}.";

    public static string PublishLinkStatement(string appParentName) => $"Publish the link record of this dm3 app profile for {appParentName}.";

    public static string AppResource(string appParentName) => AppResourcePrefix + Dm3Urn.EncodeName(appParentName);

    /// <summary>Owner-proof time rules (§5.3 rule 5): expiry ≤ 600 s after Issued At; Issued At in [now − 600 s, now + 60 s].</summary>
    public static readonly TimeSpan OwnerProofMaxValidity = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan OwnerProofMaxAge = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan OwnerProofMaxSkew = TimeSpan.FromSeconds(60);

    /// <summary>Link Message time rules (§8.3 step 4, §11).</summary>
    public static readonly TimeSpan LinkMaxValidity = TimeSpan.FromDays(7);
    public static readonly TimeSpan LinkRecoverMaxValidity = TimeSpan.FromHours(24);
    public static readonly TimeSpan LinkMaxSkew = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Expectations for an owner proof or a publish-link proof (§5.3 / §9.3): domain, URI prefixes, chain ids and
    /// nonce from the app registration and nonce store, mandatory expiry and the time window.
    /// </summary>
    public static SiweExpectations ProofExpectations(DateTimeOffset now, string domain, IReadOnlyList<string> uriPrefixes,
        IReadOnlyCollection<ulong> chainIds, string? nonce) => new()
    {
        Now = now,
        Domain = domain,
        UriPrefixes = uriPrefixes,
        ChainIds = chainIds,
        Nonce = nonce,
        RequireExpirationTime = true,
        MaxValidity = OwnerProofMaxValidity,
        MaxIssuedAtAge = OwnerProofMaxAge,
        MaxIssuedAtSkew = OwnerProofMaxSkew,
    };

    /// <summary>Expectations for a Link Message at the main messenger (§8.3 step 4).</summary>
    public static SiweExpectations LinkExpectations(DateTimeOffset now, LinkMessageType type) => new()
    {
        Now = now,
        RequireExpirationTime = true,
        MaxValidity = type == LinkMessageType.LinkRecover ? LinkRecoverMaxValidity : LinkMaxValidity,
        MaxIssuedAtSkew = LinkMaxSkew,
    };

    internal static bool ResourceName(string resource, string prefix, [NotNullWhen(true)] out string? name)
    {
        name = null;
        return resource.StartsWith(prefix, StringComparison.Ordinal)
            && Dm3Urn.TryDecodeName(resource[prefix.Length..], out name, out _);
    }
}
