using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Tests.ActorSpecs;

/// <summary>Values the actor specs build their messages from; each call makes fresh ids.</summary>
internal static class Samples
{
    public static readonly ProjectSlug Project = ProjectSlug.Parse("gh/acme/app");
    public static readonly PipelineId Pipeline = PipelineId.From(Guid.Parse("0b5f3f4e-2d1c-4a53-9d1e-6a4c1f0e9a01"));
    public static readonly NodeId NodeA = new("node-a");
    public static readonly NodeId NodeB = new("node-b");

    public static JobDefinition Definition(string name = "build", string resourceClass = ResourceClasses.Default) =>
        new(name, new DockerExecutor([new DockerImage("cimg/base:stable")]), [new RunStep("make test")], resourceClass);

    public static JobTaskSpec Template(JobId? job = null, WorkflowId? workflow = null, string name = "build", string resourceClass = ResourceClasses.Default) =>
        new(job ?? new JobId(Guid.NewGuid()), 0, 1, Project, "https://github.com/acme/app.git", 42, name,
            workflow ?? new WorkflowId(Guid.NewGuid()), "ci", Pipeline, 7,
            "0123456789abcdef0123456789abcdef01234567", "main", null, Definition(name, resourceClass));

    public static WorkflowContext Context =>
        new(Pipeline, 7, Project, "https://github.com/acme/app.git", "0123456789abcdef0123456789abcdef01234567", "main", null);

    public static PlannedJob Planned(WorkflowId workflow, string name, params string[] requires) =>
        new(name, DerivedIds.Job(workflow, name), 1000 + name.Sum(c => (long)c), Definition(name), requires, false);
}
