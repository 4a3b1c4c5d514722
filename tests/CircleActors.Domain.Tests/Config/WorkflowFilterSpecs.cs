using CircleActors.Domain.Config;
using static CircleActors.Domain.Tests.Config.Parsing;

namespace CircleActors.Domain.Tests.Config;

/// <summary>Which jobs run for a branch or a tag, with CircleCI's filter rules.</summary>
public sealed class WorkflowFilterSpecs
{
    [Theory]
    // Branch pipelines: no branches filter runs everywhere, even beside a tags filter.
    [InlineData("{}", "branch", "main", true)]
    [InlineData("{tags: {only: /.*/}}", "branch", "main", true)]
    [InlineData("{branches: {only: main}}", "branch", "main", true)]
    [InlineData("{branches: {only: main}}", "branch", "main-2", false)]
    [InlineData("{branches: {only: [dev, /user-.*/]}}", "branch", "user-ann", true)]
    [InlineData("{branches: {only: /user-.*/}}", "branch", "the-user-ann", false)]
    [InlineData("{branches: {only: /^v\\d+$/}}", "branch", "v12", true)]
    [InlineData("{branches: {only: /feature/}}", "branch", "feature-x", false)]
    [InlineData("{branches: {ignore: /.*/}}", "branch", "main", false)]
    [InlineData("{branches: {ignore: [gh-pages, /tmp-.*/]}}", "branch", "tmp-1", false)]
    [InlineData("{branches: {ignore: gh-pages}}", "branch", "main", true)]
    [InlineData("{branches: {only: /.*/, ignore: main}}", "branch", "main", false)]
    [InlineData("{branches: {only: /.*/, ignore: main}}", "branch", "dev", true)]
    // Tag pipelines: nothing runs without a tags filter that admits the tag.
    [InlineData("{}", "tag", "v1.0", false)]
    [InlineData("{branches: {only: /.*/}}", "tag", "v1.0", false)]
    [InlineData("{tags: {}}", "tag", "v1.0", false)]
    [InlineData("{tags: {only: /^v.*/}}", "tag", "v1.0", true)]
    [InlineData("{tags: {only: /^v.*/}}", "tag", "release-1", false)]
    [InlineData("{tags: {only: v1.0}}", "tag", "v1.0", true)]
    [InlineData("{tags: {ignore: /.*-rc\\d*/}}", "tag", "v1.0", true)]
    [InlineData("{tags: {ignore: /.*-rc\\d*/}}", "tag", "v1.0-rc2", false)]
    [InlineData("{tags: {only: /^v.*/, ignore: /.*-rc/}, branches: {ignore: /.*/}}", "tag", "v2-rc", false)]
    [InlineData("{tags: {only: /^v.*/}, branches: {ignore: /.*/}}", "tag", "v2", true)]
    [InlineData("{tags: {only: /^v.*/}, branches: {ignore: /.*/}}", "branch", "v2", false)]
    public void A_job_runs_when_its_filters_admit_the_branch_or_tag(string filters, string kind, string name, bool runs)
    {
        var config = Valid($"""
            version: 2.1
            jobs:
              build: {"{"}docker: [{"{"}image: alpine{"}"}], steps: [checkout]{"}"}
            workflows:
              main:
                jobs:
                  - build: {"{"}filters: {filters}{"}"}
            """);
        var gitRef = kind == "tag" ? GitRef.Tag(name) : GitRef.Branch(name);

        Assert.Equal(runs, WorkflowFilter.Select(config, gitRef).Any());
    }

    private const string Release = """
        version: 2.1
        jobs:
          build: {docker: [{image: alpine}], steps: [checkout]}
          test: {docker: [{image: alpine}], steps: [checkout]}
          deploy: {docker: [{image: alpine}], steps: [checkout]}
          docs: {docker: [{image: alpine}], steps: [checkout]}
        workflows:
          release:
            jobs:
              - build:
                  filters: {tags: {only: /^v.*/}}
              - test:
                  requires: [build]
              - deploy:
                  requires: [test]
                  filters: {tags: {only: /^v.*/}, branches: {ignore: /.*/}}
          docs:
            jobs:
              - docs:
                  filters: {branches: {only: main}}
        """;

    [Fact]
    public void On_a_tag_a_job_whose_required_job_has_no_tags_filter_does_not_run()
    {
        var workflows = WorkflowFilter.Select(Valid(Release), GitRef.Tag("v1.2.0"));

        var release = Assert.Single(workflows);
        Assert.Equal(["build"], release.Jobs.Select(job => job.Name));
    }

    [Fact]
    public void On_a_branch_jobs_filtered_out_drop_the_jobs_that_require_them_and_empty_workflows_are_dropped()
    {
        var workflows = WorkflowFilter.Select(Valid(Release), GitRef.Branch("feature"));

        var release = Assert.Single(workflows);
        Assert.Equal(["build", "test"], release.Jobs.Select(job => job.Name));
    }

    [Fact]
    public void On_a_branch_every_workflow_whose_filters_admit_it_runs()
    {
        var workflows = WorkflowFilter.Select(Valid(Release), GitRef.Branch("main"));

        Assert.Equal(["release", "docs"], workflows.Select(workflow => workflow.Name));
    }

    [Fact]
    public void A_job_requiring_a_filtered_out_job_is_dropped_transitively()
    {
        var config = Valid("""
            version: 2
            jobs:
              a: {docker: [{image: alpine}], steps: [checkout]}
              b: {docker: [{image: alpine}], steps: [checkout]}
              c: {docker: [{image: alpine}], steps: [checkout]}
            workflows:
              main:
                jobs:
                  - a: {filters: {branches: {only: main}}}
                  - b: {requires: [a]}
                  - c: {requires: [b]}
            """);

        Assert.Empty(WorkflowFilter.Select(config, GitRef.Branch("dev")));
        Assert.Equal(3, WorkflowFilter.Select(config, GitRef.Branch("main"))[0].Jobs.Count);
    }

    [Theory]
    [InlineData("main", "main", true)]
    [InlineData("main", "Main", false)]
    [InlineData("/ma.n/", "main", true)]
    [InlineData("/ma/", "main", false)]
    [InlineData("/release\\/.*/", "release/1.0", true)]
    [InlineData("/", "/", true)]
    public void A_pattern_is_an_exact_name_or_a_regex_matching_the_whole_name(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, RefPattern.Matches(pattern, name));
    }

    private const string Nightly = """
        version: 2.1
        jobs:
          build: {docker: [{image: alpine}], steps: [checkout]}
          slow: {docker: [{image: alpine}], steps: [checkout]}
        workflows:
          commit:
            jobs: [build]
          nightly:
            triggers:
              - schedule:
                  cron: "0 3 * * *"
                  filters: {branches: {only: [main, /release\/.*/]}}
            jobs:
              - slow
              - build: {filters: {branches: {only: main}}}
        """;

    [Fact]
    public void A_scheduled_pipeline_runs_only_its_workflow_with_the_jobs_its_branch_admits_and_a_push_never_runs_it()
    {
        var config = Valid(Nightly);

        Assert.Equal(["commit"], WorkflowFilter.Select(config, GitRef.Branch("main")).Select(w => w.Name));
        var onMain = Assert.Single(WorkflowFilter.SelectScheduled(config, "nightly", GitRef.Branch("main")));
        Assert.Equal(["slow", "build"], onMain.Jobs.Select(j => j.Name));
        Assert.Equal(["slow"], Assert.Single(WorkflowFilter.SelectScheduled(config, "nightly", GitRef.Branch("release/1"))).Jobs.Select(j => j.Name));
        // A workflow that is not (or no longer) scheduled is not run by a schedule.
        Assert.Empty(WorkflowFilter.SelectScheduled(config, "commit", GitRef.Branch("main")));
        Assert.Empty(WorkflowFilter.SelectScheduled(config, "gone", GitRef.Branch("main")));

        var schedule = Assert.Single(WorkflowFilter.Schedules(config));
        Assert.Equal(("nightly", "0 3 * * *"), (schedule.Workflow, Assert.Single(schedule.Triggers).Cron));
    }
}
