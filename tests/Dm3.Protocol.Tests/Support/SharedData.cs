using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dm3.Protocol.Tests.Support;

/// <summary>
/// Locates <c>../shared</c> (the reference material beside the repository) and loads conformance data in place.
/// Data is never copied into the project. When it is absent (a clone outside CI), the suites that need it
/// report a visible skip through <see cref="SharedDataFactAttribute"/> / <see cref="SharedDataTheoryAttribute"/>.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(FindRoot);
    private static readonly Lazy<JsonObject?> Vectors = new(LoadVectors);

    public static string? RootDirectory => Root.Value;

    public static bool Available => Root.Value is not null
        && File.Exists(Path.Combine(Root.Value, "conformance", "dm3-vectors.json"));

    public const string MissingReason = "../shared (conformance data) is not beside this clone; CI always has it.";

    public static string PathOf(params string[] parts) =>
        Path.Combine([Root.Value ?? throw new InvalidOperationException(MissingReason), .. parts]);

    /// <summary>The vectors of one category of <c>conformance/dm3-vectors.json</c>.</summary>
    public static IReadOnlyList<JsonObject> Category(string name)
    {
        var all = Vectors.Value ?? throw new InvalidOperationException(MissingReason);
        var cat = all["categories"]?[name] ?? throw new InvalidOperationException($"no vector category '{name}'");
        return cat["vectors"]!.AsArray().Select(v => v!.AsObject()).ToList();
    }

    /// <summary>xunit member data: one row per vector id of a category (an empty row set when data is missing).</summary>
    public static IEnumerable<object[]> Ids(string category) =>
        Available ? Category(category).Select(v => new object[] { (string)v["id"]! }) : [["(shared data missing)"]];

    public static JsonObject Vector(string category, string id) =>
        Category(category).Single(v => (string)v["id"]! == id);

    private static JsonObject? LoadVectors()
    {
        if (!Available) return null;
        using var s = File.OpenRead(PathOf("conformance", "dm3-vectors.json"));
        return JsonNode.Parse(s, documentOptions: new JsonDocumentOptions { MaxDepth = 256 })!.AsObject();
    }

    private static string? FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("DM3_SHARED_DIR");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dm3.Serverless.sln")))
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared");
                return Directory.Exists(candidate) ? Path.GetFullPath(candidate) : null;
            }
        }
        return null;
    }
}

/// <summary>A fact that needs ../shared; skipped with a visible reason when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute() { if (!SharedData.Available) Skip = SharedData.MissingReason; }
}

/// <summary>A theory that needs ../shared; skipped with a visible reason when it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute() { if (!SharedData.Available) Skip = SharedData.MissingReason; }
}

/// <summary>Typed accessors for vector fields (suffix conventions: Hex, B64, Text, Json).</summary>
public static class VectorExtensions
{
    public static string Str(this JsonObject o, string path)
    {
        JsonNode? n = o;
        foreach (var part in path.Split('.')) n = n?[part];
        return n?.GetValue<string>() ?? throw new KeyNotFoundException(path);
    }

    public static byte[] HexBytes(this JsonObject o, string path)
    {
        var s = o.Str(path);
        return Convert.FromHexString(s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s);
    }

    public static byte[] B64Bytes(this JsonObject o, string path) => Convert.FromBase64String(o.Str(path));

    public static JsonObject Obj(this JsonObject o, string name) => o[name]!.AsObject();

    public static bool Has(this JsonObject o, string path)
    {
        JsonNode? n = o;
        foreach (var part in path.Split('.')) n = n?[part];
        return n is not null;
    }
}
