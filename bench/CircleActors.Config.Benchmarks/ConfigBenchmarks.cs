using BenchmarkDotNet.Attributes;
using CircleActors.Domain.Config;

namespace CircleActors.Config.Benchmarks;

/// <summary>
/// The config engine on the shared corpus (read where it lives, never copied): the largest config
/// by bytes, the largest 2.1 config (the most processing), and every config of the corpus in turn.
/// </summary>
[MemoryDiagnoser]
public class ConfigBenchmarks
{
    private string largest = "";
    private string largest21 = "";
    private string[] corpus = [];

    [GlobalSetup]
    public void Setup()
    {
        var files = Directory.GetFiles(CorpusFolder.Configs(), "*.yml").Order().ToArray();
        corpus = files.Select(File.ReadAllText).ToArray();
        largest = corpus.MaxBy(text => text.Length)!;
        largest21 = corpus.Where(text => text.Contains("version: 2.1")).MaxBy(text => text.Length)!;
        foreach (var text in corpus)
            if (!ConfigParser.Parse(text).IsValid) throw new InvalidOperationException("a corpus config does not parse; the figures would mean nothing");
    }

    // As `circleactors config process` does: the model and the processed YAML text.
    [Benchmark(Description = "process largest config (040, 35 KB, 2.0)")]
    public string Largest() => ConfigParser.Parse(largest).ProcessedYaml!;

    [Benchmark(Description = "process largest 2.1 config (022, 34 KB)")]
    public string Largest21() => ConfigParser.Parse(largest21).ProcessedYaml!;

    // As a pipeline does: the model only.
    [Benchmark(Description = "parse largest 2.1 config for a pipeline (022)")]
    public PipelineConfig Largest21ForPipeline() => ConfigParser.Parse(largest21).Config!;

    [Benchmark(Description = "process whole corpus (21 configs)")]
    public int WholeCorpus()
    {
        var length = 0;
        foreach (var text in corpus) length += ConfigParser.Parse(text).ProcessedYaml!.Length;
        return length;
    }
}

/// <summary>The corpus beside the repository: from the folder holding CircleActors.sln, <c>../shared/corpus/configs</c>.</summary>
internal static class CorpusFolder
{
    public static string Configs()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "CircleActors.sln")))
                return Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "corpus", "configs"));
        }
        throw new DirectoryNotFoundException($"no CircleActors.sln above {AppContext.BaseDirectory}");
    }
}
