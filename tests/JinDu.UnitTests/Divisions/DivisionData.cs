using System.Reflection;
using JinDu.BuildingBlocks.Divisions;

namespace JinDu.UnitTests.Divisions;

/// <summary>Reads the division lists as the tests see them: the embedded copy and, when present, the shared folder.</summary>
internal static class DivisionData
{
    public static readonly string[] Files = ["provinces.csv", "cities.csv", "areas.csv"];

    private static Assembly Catalog => typeof(DivisionCatalog).Assembly;

    public static byte[] EmbeddedBytes(string file)
    {
        using var stream = Catalog.GetManifestResourceStream("divisions/" + file)
            ?? throw new InvalidOperationException($"embedded resource divisions/{file} is missing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The first column of every data row of an embedded list.</summary>
    public static IReadOnlyList<string> EmbeddedCodes(string file)
    {
        using var reader = new StreamReader(new MemoryStream(EmbeddedBytes(file)));
        reader.ReadLine(); // header
        var codes = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) codes.Add(line.Split(',')[0].Trim());
        return codes;
    }

    /// <summary>../shared/data/divisions beside the repository (the folder holding JinDu.Platform.sln), if it exists.</summary>
    public static string? SharedFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "JinDu.Platform.sln"))) continue;
            var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "divisions"));
            return Directory.Exists(shared) ? shared : null;
        }
        return null;
    }
}
