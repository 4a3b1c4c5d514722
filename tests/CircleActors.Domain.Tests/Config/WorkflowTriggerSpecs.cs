using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>The 2.1 requires map form, scheduled triggers, and the orb registry on disk.</summary>
public sealed class WorkflowTriggerSpecs : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("circleactors-orbs-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private const string Jobs = """
        version: 2.1
        jobs:
          build: {docker: [{image: alpine}], steps: [checkout]}
          deploy: {docker: [{image: alpine}], steps: [checkout]}
          cleanup: {docker: [{image: alpine}], steps: [checkout]}

        """;

    [Fact]
    public void The_requires_map_form_keeps_the_statuses_and_terminal_stands_for_every_final_status()
    {
        var result = ConfigParser.Parse(Jobs + """
            workflows:
              main:
                jobs:
                  - build
                  - deploy: {requires: [{build: failed}]}
                  - cleanup: {requires: [{deploy: terminal}, build]}
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var jobs = result.Config!.Workflows[0].Jobs;
        Assert.Equal(["failed"], jobs[1].RequiredStatuses!["build"]);
        Assert.Equal(["deploy", "build"], jobs[2].Requires);
        Assert.Equal(["success", "failed", "canceled", "unauthorized", "not_run"], jobs[2].RequiredStatuses!["deploy"]);
        Assert.False(jobs[2].RequiredStatuses!.ContainsKey("build"));
    }

    [Fact]
    public void A_scheduled_workflow_keeps_its_cron_and_filters_and_does_not_run_on_a_push()
    {
        var config = ConfigParser.Parse(Jobs + """
            workflows:
              nightly:
                triggers:
                  - schedule:
                      cron: "0 3 * * 1-5"
                      filters: {branches: {only: [main]}}
                jobs: [build]
              push:
                jobs: [deploy, cleanup]
            """).Config!;

        var schedule = Assert.Single(config.Workflows[0].Schedules!);
        Assert.Equal("0 3 * * 1-5", schedule.Cron);
        Assert.Equal(["main"], schedule.Filters!.Branches!.Only!);
        Assert.Equal(["push"], WorkflowFilter.Select(config, GitRef.Branch("main")).Select(workflow => workflow.Name));
    }

    [Fact]
    public void The_directory_registry_finds_an_exact_version_and_resolves_partial_and_volatile_ones_to_the_highest()
    {
        var registry = new DirectoryOrbRegistry(folder);
        registry.Import("acme/tools@1.2.0", "# 1.2.0");
        registry.Import("acme/tools@1.10.1", "# 1.10.1");
        registry.Import("acme/tools@2.0.0", "# 2.0.0");

        Assert.Equal(["acme/tools@1.10.1", "acme/tools@1.2.0", "acme/tools@2.0.0"], registry.List());
        Assert.Equal("# 1.2.0", registry.Find("acme/tools@1.2.0"));
        Assert.Equal("# 1.10.1", registry.Find("acme/tools@1"));
        Assert.Equal("# 2.0.0", registry.Find("acme/tools@volatile"));
        Assert.Null(registry.Find("acme/tools@3"));
        Assert.Null(registry.Find("../etc/passwd"));
    }
}
