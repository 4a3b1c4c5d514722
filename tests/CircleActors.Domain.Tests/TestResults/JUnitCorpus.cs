using CircleActors.Domain.Tests.Config;

namespace CircleActors.Domain.Tests.TestResults;

/// <summary>The corpus's JUnit reports (<c>shared/corpus/junit</c>) and their <c>expected/</c> results, read where they live.</summary>
internal static class JUnitCorpus
{
    public static string Folder => Corpus.JUnitFolder;

    public static string Read(string file) => File.ReadAllText(Path.Combine(Folder, file));

    /// <summary>The expected-result file for a report with this suffix, or null when the corpus has none.</summary>
    public static string? Expected(string report, string suffix)
    {
        var path = Path.Combine(Folder, "expected", Path.GetFileNameWithoutExtension(report) + suffix);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>The report files SOURCE.tsv lists (its first column).</summary>
    public static IReadOnlyList<string> Listed() =>
        File.ReadAllLines(Path.Combine(Folder, "SOURCE.tsv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')[0]).ToList();
}
