namespace CircleActors.Domain.Tests.Config;

/// <summary>
/// The shared corpus of real configs, read where it lives (never copied into the repository):
/// the first ancestor of the test assembly that has a <c>shared/corpus</c> folder.
/// </summary>
internal static class Corpus
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string ConfigsFolder => Path.Combine(Root.Value, "configs");
    public static string InvalidFolder => Path.Combine(Root.Value, "invalid");
    public static string JUnitFolder => Path.Combine(Root.Value, "junit");
    public static string OrbRegistryFolder =>
        Path.Combine(Root.Value, "orbs-and-fixtures", "language-server-testdata", "pkg", "parser", "testdata", "orb-registry");

    /// <summary>The rows of <c>configs/INDEX.tsv</c>, each as column name to value.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> ConfigIndex()
    {
        var lines = File.ReadAllLines(Path.Combine(ConfigsFolder, "INDEX.tsv")).Where(line => line.Length > 0).ToList();
        var header = lines[0].Split('\t');
        return lines.Skip(1)
            .Select(line => (IReadOnlyDictionary<string, string>)header
                .Zip(line.Split('\t'))
                .ToDictionary(column => column.First, column => column.Second))
            .ToList();
    }

    private static string Locate()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var corpus = Path.Combine(folder.FullName, "shared", "corpus");
            if (Directory.Exists(corpus)) return corpus;
        }
        throw new DirectoryNotFoundException($"no shared/corpus folder above {AppContext.BaseDirectory}");
    }
}
