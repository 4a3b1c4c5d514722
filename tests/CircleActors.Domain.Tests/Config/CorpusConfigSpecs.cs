using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>Every real config of the corpus parses, and its counts match the ones INDEX.tsv records.</summary>
public sealed class CorpusConfigSpecs
{
    public static TheoryData<string> IndexedConfigs()
    {
        var files = new TheoryData<string>();
        foreach (var row in Corpus.ConfigIndex()) files.Add(row["file"]);
        return files;
    }

    [Fact]
    public void The_index_lists_every_config_of_the_corpus()
    {
        var onDisk = Directory.GetFiles(Corpus.ConfigsFolder, "*.yml").Select(Path.GetFileName).Order();
        Assert.Equal(onDisk, Corpus.ConfigIndex().Select(row => row["file"]).Order());
    }

    [Theory]
    [MemberData(nameof(IndexedConfigs))]
    public void A_real_config_parses_without_errors(string file)
    {
        var result = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.ConfigsFolder, file)), file);

        Assert.Empty(result.Errors.Select(error => error.ToString()));
        Assert.True(result.IsValid);
    }

    [Theory]
    [MemberData(nameof(IndexedConfigs))]
    public void A_real_config_has_the_jobs_workflows_and_workflow_entries_the_index_counts(string file)
    {
        var row = Corpus.ConfigIndex().Single(r => r["file"] == file);
        var config = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.ConfigsFolder, file)), file).Config!;

        Assert.Equal(int.Parse(row["n_jobs"]), config.Jobs.Count);
        if (int.Parse(row["n_workflows"]) == 0)
        {
            // The index counts workflows written in the file; without any, CircleCI runs `build` alone.
            var implicitWorkflow = Assert.Single(config.Workflows);
            Assert.Equal(ConfigParser.ImplicitWorkflowName, implicitWorkflow.Name);
            Assert.Equal(ConfigParser.ImplicitJobName, Assert.Single(implicitWorkflow.Jobs).JobName);
        }
        else
        {
            Assert.Equal(int.Parse(row["n_workflows"]), config.Workflows.Count);
            Assert.Equal(int.Parse(row["n_wf_job_entries"]), config.Workflows.Sum(workflow => workflow.Jobs.Count));
            Assert.Equal(int.Parse(row["n_wf_unique_job_names"]),
                config.Workflows.SelectMany(workflow => workflow.Jobs).Select(job => job.JobName).Distinct().Count());
        }
    }
}
