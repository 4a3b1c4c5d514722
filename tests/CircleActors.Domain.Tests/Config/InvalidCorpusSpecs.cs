using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>
/// Every file of the corpus's <c>invalid/</c> is rejected at the line INDEX.tsv describes, or, for
/// the ones INDEX.tsv calls problematic rather than invalid, accepted with a warning.
/// </summary>
public sealed class InvalidCorpusSpecs
{
    // File, line of the error to expect, and a fragment of its message; from what INDEX.tsv says is wrong.
    private static readonly Dictionary<string, (int Line, string Fragment)> Expected = new()
    {
        ["ls01_yaml-errors_empty-parameter-name.yml"] = (4, "key missing its name"),
        ["ls02_job-without-steps.yml"] = (4, "job 'build' has no steps"),
        ["ls03_not-defined-param.yml"] = (27, "has no parameter 'not-defined-param'"),
        ["ls07_invalid-checkout-method.yml"] = (8, "Checkout method 'invalid' is invalid"),
        ["ls09_wrong-param-type.yml"] = (25, "parameter skip for job 'build' must be a string"),
        ["ls11_when-condition-is-a-list.yml"] = (23, "must be a logic statement"),
        ["ls13_undefined-pipeline-parameter.yml"] = (9, "pipeline.parameters.not-exist"),
        ["rw01_prometheus_pr17637_tab-indentation.yml"] = (19, "YAML syntax error"),
        ["rw03_vue_pr12199_garbage-after-key.yml"] = (6, "YAML syntax error"),
        ["rw05_thanos_pr7876_merge-conflict-markers.yml"] = (19, "YAML syntax error"),
        ["rw06_router_pr2824_undefined-alias.yml"] = (440, "*rust_linux_executor"),
        ["rw08_hydra_pr2087_bad-indentation-in-filters.yml"] = (267, "YAML syntax error"),
        ["rw10_nilearn_pr1787_filter-under-string-item.yml"] = (127, "YAML syntax error"),
        ["ss01_conflicting-resource-class.yml"] = (8, "resource_class both under machine: and beside it"),
        ["ss03_machine-linux-image-with-windows-resource-class.yml"] = (8, "Windows resource_class windows.2xlarge"),
        ["ss05_invalid-requires-job-status.yml"] = (10, "'invalid_job_status' is not a job status"),
    };

    private static List<string> IndexRows() =>
        File.ReadAllLines(Path.Combine(Corpus.InvalidFolder, "INDEX.tsv")).Skip(1).Where(line => line.Length > 0).Select(line => line.Split('\t')[0]).ToList();

    public static TheoryData<string> IndexedFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in IndexRows()) files.Add(file);
        return files;
    }

    [Fact]
    public void The_index_lists_every_invalid_file_and_each_has_an_expectation()
    {
        var onDisk = Directory.GetFiles(Corpus.InvalidFolder, "*.yml").Select(path => Path.GetFileName(path)).Order().ToList();
        Assert.Equal(onDisk, IndexRows().Order().ToList());
        Assert.Equal(onDisk.Where(file => !file.Contains("_WARNING")), Expected.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(IndexedFiles))]
    public void An_invalid_file_is_rejected_at_the_line_of_its_problem_and_a_problematic_one_is_accepted_with_a_warning(string file)
    {
        var result = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.InvalidFolder, file)), file);

        if (file.Contains("_WARNING"))
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            Assert.NotEmpty(result.Warnings);
            return;
        }
        Assert.False(result.IsValid);
        var (line, fragment) = Expected[file];
        Assert.Contains(result.Errors, error => error.File == file && error.Line == line && error.Message.Contains(fragment, StringComparison.Ordinal));
    }
}
