using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>Real pull-request heads that broke CircleCI (the corpus's <c>invalid/rw*</c>) are rejected, not thrown on.</summary>
public sealed class BrokenCorpusSpecs
{
    public static TheoryData<string> RealBrokenConfigs()
    {
        var files = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Corpus.InvalidFolder, "rw*.yml").Order()) files.Add(Path.GetFileName(path));
        return files;
    }

    [Theory]
    [MemberData(nameof(RealBrokenConfigs))]
    public void A_real_broken_config_is_rejected_with_a_located_yaml_error(string file)
    {
        var result = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.InvalidFolder, file)), file);

        var error = Assert.Single(result.Errors);
        Assert.Equal(file, error.File);
        Assert.True(error.Line > 1, $"{error} should point past the first line");
        Assert.StartsWith("YAML syntax error", error.Message);
    }
}
