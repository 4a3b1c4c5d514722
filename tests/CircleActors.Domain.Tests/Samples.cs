using CircleActors.Domain.Common;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Domain.Tests;

/// <summary>Values the domain specs build their commands from.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);
    public static readonly ProjectSlug Project = ProjectSlug.Parse("gh/acme/app");
    public static readonly PipelineId Pipeline = PipelineId.From(Guid.Parse("0b5f3f4e-2d1c-4a53-9d1e-6a4c1f0e9a01"));
    public static readonly WorkflowId Workflow = DerivedIds.Workflow(Pipeline, "build-test-deploy");
    public static readonly JobId Job = DerivedIds.Job(Workflow, "build");
    public static readonly NodeId NodeA = new("node-a");
    public static readonly NodeId NodeB = new("node-b");

    public static JobDefinition Definition(string name = "build", int parallelism = 1) =>
        new(name, new DockerExecutor([new DockerImage("cimg/base:stable")]), [new CheckoutStep(), new RunStep("make test")],
            Parallelism: parallelism);

    public static JobTaskSpec Template(int parallelism = 1) =>
        new(Job, 0, 1, Project, "https://github.com/acme/app.git", 42, "build", Workflow, "build-test-deploy", Pipeline, 7,
            "0123456789abcdef0123456789abcdef01234567", "main", null, Definition(parallelism: parallelism));

    public static WorkflowContext Context =>
        new(Pipeline, 7, Project, "https://github.com/acme/app.git", "0123456789abcdef0123456789abcdef01234567", "main", null);

    /// <summary>A planned job of <see cref="Workflow"/>, numbered from its position.</summary>
    public static PlannedJob Planned(string name, params string[] requires) =>
        new(name, DerivedIds.Job(Workflow, name), 1000 + name.Sum(c => (long)c), Definition(name), requires, false);

    public static PlannedJob Approval(string name, params string[] requires) =>
        new(name, DerivedIds.Job(Workflow, name), null, null, requires, true);
}

/// <summary>
/// Runs commands through a decider the way an entity does: decide, then apply the events, with
/// a clock that ticks one second per command.
/// </summary>
internal sealed class Aggregate<TState, TCommand, TEvent>(
    TState initial,
    Func<TState, TCommand, DateTimeOffset, Decision<TEvent>> decide,
    Func<TState, TEvent, TState> apply)
{
    private readonly TState _initial = initial;
    public TState State { get; private set; } = initial;
    public DateTimeOffset Now { get; private set; } = Samples.T0;
    public List<TEvent> History { get; } = [];

    public Decision<TEvent> Send(TCommand command)
    {
        Now = Now.AddSeconds(1);
        var decision = decide(State, command, Now);
        foreach (var e in decision.Events)
        {
            State = apply(State, e);
            History.Add(e);
        }
        return decision;
    }

    /// <summary>Decides without applying, for checking what a repeat would do.</summary>
    public Decision<TEvent> Peek(TCommand command) => decide(State, command, Now.AddSeconds(1));

    /// <summary>Replays the whole history from <paramref name="initial"/>: recovery must rebuild the same state.</summary>
    public TState Replay() => History.Aggregate(_initial, apply);
}
