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
        // The index counts what is written; a processed 2.1 config may run more (matrices, parameterized invocations).
        var row = Corpus.ConfigIndex().Single(r => r["file"] == file);
        var written = WrittenConfig.Read(File.ReadAllText(Path.Combine(Corpus.ConfigsFolder, file)));
        var config = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.ConfigsFolder, file)), file).Config!;

        Assert.Equal(int.Parse(row["n_jobs"]), written.DefinedJobs.Count);
        Assert.Equal(int.Parse(row["n_workflows"]), written.Workflows.Count);
        Assert.Equal(int.Parse(row["n_wf_job_entries"]), written.Workflows.Sum(workflow => workflow.Count));
        Assert.Equal(int.Parse(row["n_wf_unique_job_names"]), written.Workflows.SelectMany(workflow => workflow).Distinct().Count());
        if (int.Parse(row["n_workflows"]) == 0)
        {
            // Without workflows, CircleCI runs `build` alone.
            var implicitWorkflow = Assert.Single(config.Workflows);
            Assert.Equal(ConfigParser.ImplicitWorkflowName, implicitWorkflow.Name);
            Assert.Equal(ConfigParser.ImplicitJobName, Assert.Single(implicitWorkflow.Jobs).JobName);
        }
        else
        {
            Assert.Equal(written.Workflows.Count, config.Workflows.Count);
            // Each written entry is at least one processed entry, and each processed entry names the job it was written as.
            Assert.True(config.Workflows.Sum(workflow => workflow.Jobs.Count) >= written.Workflows.Sum(workflow => workflow.Count));
            Assert.Equal(written.Workflows.SelectMany(workflow => workflow).ToHashSet(),
                config.Workflows.SelectMany(workflow => workflow.Jobs).Select(job => job.Invokes ?? job.JobName).ToHashSet());
        }
    }

    [Theory]
    [MemberData(nameof(IndexedConfigs))]
    public void Every_job_a_processed_workflow_runs_is_a_plain_job_or_comes_from_an_orb_not_imported(string file)
    {
        var config = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.ConfigsFolder, file)), file).Config!;

        foreach (var job in config.Workflows.SelectMany(workflow => workflow.Jobs).Where(job => !job.IsApproval))
            Assert.True(config.Jobs.ContainsKey(job.JobName) || job.JobName.Contains('/'), $"{job.JobName} is not a job of the processed config");
    }

    [Theory]
    [MemberData(nameof(IndexedConfigs))]
    public void Processing_a_processed_config_again_changes_nothing(string file)
    {
        var once = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.ConfigsFolder, file)), file).ProcessedYaml!;
        var twice = ConfigParser.Parse(once, file);

        Assert.Empty(twice.Errors.Select(error => error.ToString()));
        Assert.Equal(once, twice.ProcessedYaml);
    }

    [Theory]
    [MemberData(nameof(IndexedConfigs))]
    public void A_real_config_warns_of_exactly_the_defined_jobs_the_index_counts_as_unreferenced(string file)
    {
        var row = Corpus.ConfigIndex().Single(r => r["file"] == file);
        var result = ConfigParser.Parse(File.ReadAllText(Path.Combine(Corpus.ConfigsFolder, file)), file);

        var unused = result.Warnings.Count(warning => warning.Message.Contains("is defined but no workflow runs it"));
        // Without workflows the index counts no unreferenced job, and CircleCI runs only `build`.
        Assert.Equal(int.Parse(row["n_workflows"]) == 0 ? 0 : int.Parse(row["n_defined_jobs_unreferenced"]), unused);
    }
}
