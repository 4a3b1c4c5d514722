using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Pipelines;
using static CircleActors.Domain.Tests.Samples;

namespace CircleActors.Domain.Tests.Pipelines;

/// <summary>Planning: job numbers in listed order from a reserved block, ids derived so a retried plan is the same plan.</summary>
public sealed class PipelinePlannerSpecs
{
    private static readonly PipelineConfig Config = new("2.1",
        new Dictionary<string, JobDefinition> { ["build"] = Definition("build"), ["test"] = Definition("test", parallelism: 4) },
        []);

    private static readonly IReadOnlyList<WorkflowDefinition> Workflows =
    [
        new("ci", [new WorkflowJob("build", "build", []), new WorkflowJob("test", "unit", ["build"]),
            new WorkflowJob("hold", "hold", ["unit"], IsApproval: true), new WorkflowJob("test", "deploy-check", ["hold"])]),
        new("nightly", [new WorkflowJob("build", "build", [])]),
    ];

    [Fact]
    public void Approval_jobs_need_no_job_number() => Assert.Equal(4, PipelinePlanner.JobNumbersNeeded(Workflows));

    [Fact]
    public void Jobs_are_numbered_in_the_order_they_are_listed_across_workflows_from_the_reserved_block()
    {
        var plan = PipelinePlanner.Plan(Pipeline, Config, Workflows, firstJobNumber: 50);
        Assert.Equal([("build", (long?)50), ("unit", 51), ("hold", null), ("deploy-check", 52)],
            plan[0].Jobs.Select(j => (j.Name, j.JobNumber)));
        Assert.Equal([("build", (long?)53)], plan[1].Jobs.Select(j => (j.Name, j.JobNumber)));
        var numbers = plan.SelectMany(w => w.Jobs).Where(j => j.JobNumber is not null).Select(j => j.JobNumber!.Value).ToList();
        Assert.Equal(PipelinePlanner.JobNumbersNeeded(Workflows), numbers.Count);
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
    }

    [Fact]
    public void Ids_derive_from_the_pipeline_and_names_so_planning_again_gives_the_same_plan()
    {
        var first = PipelinePlanner.Plan(Pipeline, Config, Workflows, 50);
        var second = PipelinePlanner.Plan(Pipeline, Config, Workflows, 50);
        Assert.Equal(first.Select(w => w.WorkflowId), second.Select(w => w.WorkflowId));
        Assert.Equal(first.SelectMany(w => w.Jobs).Select(j => j.JobId), second.SelectMany(w => w.Jobs).Select(j => j.JobId));

        Assert.Equal(DerivedIds.Workflow(Pipeline, "ci"), first[0].WorkflowId);
        Assert.Equal(DerivedIds.Job(first[0].WorkflowId, "unit"), first[0].Jobs[1].JobId);

        var other = PipelinePlanner.Plan(PipelineId.From(Guid.NewGuid()), Config, Workflows, 50);
        Assert.NotEqual(first[0].WorkflowId, other[0].WorkflowId);
        Assert.NotEqual(first[0].Jobs[0].JobId, other[0].Jobs[0].JobId);
        // The same job name in two workflows of one pipeline is two jobs.
        Assert.NotEqual(first[0].Jobs[0].JobId, first[1].Jobs[0].JobId);
    }

    [Fact]
    public void A_planned_job_runs_its_definition_under_its_workflow_name_and_keeps_its_requirements()
    {
        var unit = PipelinePlanner.Plan(Pipeline, Config, Workflows, 1)[0].Jobs[1];
        Assert.Equal("unit", unit.Definition!.Name);
        Assert.Equal(4, unit.Definition.Parallelism);
        Assert.Equal(["build"], unit.Requires);
        Assert.False(unit.IsApproval);
        Assert.Equal("test", Config.Jobs["test"].Name);

        var hold = PipelinePlanner.Plan(Pipeline, Config, Workflows, 1)[0].Jobs[2];
        Assert.True(hold.IsApproval);
        Assert.Null(hold.Definition);
    }

    [Fact]
    public void A_plan_that_runs_undefined_jobs_or_orb_jobs_is_refused_once_per_job()
    {
        IReadOnlyList<WorkflowDefinition> workflows =
        [
            new("ci", [new WorkflowJob("build", "build", []), new WorkflowJob("lint", "lint", []), new WorkflowJob("lint", "lint-2", []),
                new WorkflowJob("node/test", "node/test", []), new WorkflowJob("hold", "hold", [], IsApproval: true)]),
        ];
        var errors = PipelinePlanner.Check(Config, workflows);
        Assert.Equal(["job lint is not defined", "job node/test comes from an orb that is not in the orb registry"], errors.Select(e => e.Message));
        Assert.All(errors, e => Assert.Equal("config", e.Type));
        Assert.Empty(PipelinePlanner.Check(Config, Workflows));
    }
}
