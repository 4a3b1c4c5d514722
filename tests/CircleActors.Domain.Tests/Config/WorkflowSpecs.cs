using CircleActors.Domain.Config;
using static CircleActors.Domain.Tests.Config.Parsing;

namespace CircleActors.Domain.Tests.Config;

/// <summary>Workflows: their entries, requires, filters, and the errors in their graph.</summary>
public sealed class WorkflowSpecs
{
    private const string Jobs = """
        version: 2.1
        jobs:
          build: {docker: [{image: alpine}], steps: [checkout]}
          test: {docker: [{image: alpine}], steps: [checkout]}
          deploy: {docker: [{image: alpine}], steps: [checkout]}
        """;

    [Fact]
    public void Workflow_entries_read_their_name_requires_filters_context_and_approval()
    {
        var config = Valid(Jobs + """

            orbs:
              node: circleci/node@5.0
            workflows:
              version: 2
              main:
                jobs:
                  - build
                  - test:
                      name: unit
                      requires: [build]
                      context: [org-global, npm]
                  - hold:
                      type: approval
                      requires: [unit]
                  - deploy:
                      requires: [hold]
                      context: prod
                      filters:
                        branches: {only: main}
                        tags: {only: [/^v.*/, release], ignore: /.*-rc/}
                  - node/publish:
                      requires: [deploy]
            """);

        var main = Assert.Single(config.Workflows);
        Assert.Equal("main", main.Name);
        Assert.Equal(["build", "unit", "hold", "deploy", "node/publish"], main.Jobs.Select(job => job.Name));
        var unit = main.Jobs[1];
        Assert.Equal("test", unit.JobName);
        Assert.Equal(["build"], unit.Requires);
        Assert.Equal(["org-global", "npm"], unit.Context!);
        Assert.True(main.Jobs[2].IsApproval);
        var filters = main.Jobs[3].Filters!;
        Assert.Equal(["main"], filters.Branches!.Only!);
        Assert.Null(filters.Branches.Ignore);
        Assert.Equal(["/^v.*/", "release"], filters.Tags!.Only!);
        Assert.Equal(["/.*-rc/"], filters.Tags.Ignore!);
        Assert.Equal(["prod"], main.Jobs[3].Context!);
    }

    [Fact]
    public void A_config_without_workflows_runs_build_in_a_workflow_named_workflow()
    {
        var config = Valid("version: 2\njobs:\n  build: {docker: [{image: alpine}], steps: [checkout]}\n");

        var workflow = Assert.Single(config.Workflows);
        Assert.Equal(("workflow", "build", "build"), (workflow.Name, workflow.Jobs[0].JobName, workflow.Jobs[0].Name));
    }

    [Fact]
    public void A_config_without_workflows_or_a_build_job_is_an_error_at_jobs()
    {
        AssertAt(SingleError("version: 2\njobs:\n  test: {docker: [{image: alpine}], steps: [checkout]}\n"), 2, 1, "'build'");
    }

    [Fact]
    public void A_2_1_job_invoked_twice_without_a_name_is_numbered_as_circleci_does()
    {
        var config = Valid(Jobs + "\nworkflows:\n  main:\n    jobs:\n      - test\n      - test\n      - build\n");

        Assert.Equal(["test-1", "test-2", "build"], config.Workflows[0].Jobs.Select(job => job.Name));
    }

    [Fact]
    public void Requiring_a_job_invoked_twice_without_a_name_is_an_error_at_the_requirement()
    {
        var error = SingleError(Jobs + "\nworkflows:\n  main:\n    jobs:\n      - test\n      - test\n      - deploy: {requires: [test]}\n");

        AssertAt(error, 11, 29, "invokes more than once");
    }

    [Fact]
    public void Two_entries_with_the_same_name_in_a_2_0_workflow_are_an_error_at_the_second()
    {
        var error = SingleError(Jobs.Replace("2.1", "2.0") + "\nworkflows:\n  main:\n    jobs:\n      - test\n      - build: {name: test}\n");

        AssertAt(error, 10, 9, "already has a job named 'test'");
    }

    [Fact]
    public void An_entry_for_an_undefined_job_is_an_error_at_the_entry()
    {
        var error = SingleError(Jobs + "\nworkflows:\n  main:\n    jobs:\n      - build\n      - lint:\n          requires: [build]\n");

        AssertAt(error, 10, 9, "job 'lint', which is not defined");
    }

    [Fact]
    public void A_requirement_on_a_job_not_in_the_workflow_is_an_error_at_the_requirement()
    {
        var error = SingleError(Jobs + "\nworkflows:\n  main:\n    jobs:\n      - build\n      - test:\n          requires:\n            - build\n            - deploy\n");

        AssertAt(error, 13, 15, "requires 'deploy', which is not a job of workflow 'main'");
    }

    [Fact]
    public void A_cycle_in_requires_is_an_error_at_the_requirement_that_closes_it()
    {
        var error = SingleError(Jobs + """

            workflows:
              main:
                jobs:
                  - build: {requires: [deploy]}
                  - test: {requires: [build]}
                  - deploy: {requires: [test]}
            """);

        AssertAt(error, 10, 27, "cycle: build -> deploy -> test -> build");
    }

    [Fact]
    public void Orb_jobs_and_approval_jobs_need_no_definition()
    {
        var config = Valid(Jobs + "\norbs: {orb-tools: circleci/orb-tools@12.0}\nworkflows:\n  main:\n    jobs:\n      - orb-tools/lint\n      - wait: {type: approval, requires: [orb-tools/lint]}\n");

        Assert.Equal(["orb-tools/lint", "wait"], config.Workflows[0].Jobs.Select(job => job.JobName));
    }

    [Fact]
    public void An_invalid_filter_regex_is_an_error_at_the_pattern()
    {
        var error = SingleError(Jobs + "\nworkflows:\n  main:\n    jobs:\n      - build: {filters: {branches: {only: [main, /feature-(/]}}}\n");

        AssertAt(error, 9, 51, "/feature-(/ is not a valid regular expression");
    }

    [Fact]
    public void A_defined_job_no_workflow_runs_is_a_warning_not_an_error()
    {
        var result = ConfigParser.Parse(Jobs + "\nworkflows:\n  main:\n    jobs: [build, test]\n");

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal((5, 3), (warning.Line, warning.Column));
        Assert.Contains("'deploy'", warning.Message);
    }
}
