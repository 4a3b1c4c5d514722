using Akka.Actor;
using Akka.Cluster.Sharding;
using CircleActors.Actors.Common;
using CircleActors.Domain.TestResults.Messages;

namespace CircleActors.Actors.TestResults;

/// <summary>
/// Answers a starting task's question for the timings of its job's previous run, from the
/// projected test results. One per project and job name, holding nothing: every task asks at
/// spin-up, and answering from a job's persistent test results entity made each task start
/// (and recover) a second journaled entity before its first step, about half of a trivial
/// job's time under load.
/// </summary>
public sealed class TestTimingsReader : ReceiveActor
{
    public TestTimingsReader(TestResultsReadModel readModel)
    {
        Receive<TestResultsQueries.GetTestTimings>(query =>
            readModel.TimingsAsync(query.Project, query.JobName, query.BeforeJobNumber).PipeTo(Sender));
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
    }

    public static Props PropsFor(TestResultsReadModel readModel) => Props.Create(() => new TestTimingsReader(readModel));
}

/// <summary>Routes a timings query by project and job name, so the parallel tasks of a job ask the same reader.</summary>
public sealed class TestTimingsMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) =>
        message is TestResultsQueries.GetTestTimings query ? $"{query.Project.Value}/{query.JobName}" : null;
}

/// <summary>Registry key of the test timings shard region.</summary>
public sealed class TestTimingsRegion;
