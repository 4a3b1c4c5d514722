using System.Collections.Concurrent;
using System.Data.Common;
using Akka.Actor;
using Akka.Persistence.Query;
using CircleActors.Actors.Common;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects.Messages;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

public sealed class ProjectorActorSpecs(ITestOutputHelper output)
{
    /// <summary>Remembers the offsets of the events it was given.</summary>
    private sealed class Recording(string name) : IProjection
    {
        public ConcurrentQueue<long> Offsets { get; } = new();

        public string Name => name;

        public IReadOnlyList<string> Tags => [DomainEventTagger.ProjectTag];

        public Task ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
        {
            foreach (var envelope in batch) Offsets.Enqueue(((Sequence)envelope.Offset).Value);
            return Task.CompletedTask;
        }
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task Projections_of_one_tag_share_its_stream_and_each_gets_every_event_once_from_its_own_offset(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        await Ci.AddProjectAsync(node, "/nowhere");
        for (var i = 0; i < 3; i++)
            await Reliably.AskForAsync<ProjectReplies.PipelineNumberReserved>(node.Get<ProjectRegion>(),
                new ProjectCommands.ReservePipelineNumber(Ci.Project, PipelineId.New()));
        var first = new Recording("first");
        var second = new Recording("second");

        var events = (await Ci.EventsAsync(node, ProjectEntity.PersistencePrefix + Ci.Project.Value)).Count;
        var secondOffset = ProjectorActor.StreamName(second, DomainEventTagger.ProjectTag);

        var projector = node.System.ActorOf(ProjectorActor.PropsFor(node.ReadStore, [first, second]));
        await Eventually.MatchesAsync(() => Task.FromResult(first.Offsets.Count + second.Offsets.Count), n => n == 2 * events, TimeSpan.FromSeconds(20), "every event, to each");
        var offsets = first.Offsets.ToList();
        Assert.Equal(offsets, second.Offsets);
        Assert.Equal(offsets.Order().Distinct(), offsets);
        await Eventually.MatchesAsync(() => node.ReadStore.GetOffsetAsync(secondOffset), o => o == offsets[^1], TimeSpan.FromSeconds(10), "offset stored");

        // The second starts over (its offset is gone); the first, going on from its own, is not given them again.
        await projector.GracefulStop(TimeSpan.FromSeconds(10));
        await using (var connection = await node.ReadStore.OpenAsync())
        await using (var delete = ReadStore.Command(connection, null, "DELETE FROM projection_offsets WHERE projection = @p", ("p", secondOffset)))
            await delete.ExecuteNonQueryAsync();
        var firstAgain = new Recording("first");
        var secondAgain = new Recording("second");
        node.System.ActorOf(ProjectorActor.PropsFor(node.ReadStore, [firstAgain, secondAgain]));
        await Reliably.AskForAsync<ProjectReplies.PipelineNumberReserved>(node.Get<ProjectRegion>(),
            new ProjectCommands.ReservePipelineNumber(Ci.Project, PipelineId.New()));

        await Eventually.MatchesAsync(() => Task.FromResult(secondAgain.Offsets.Count), n => n == events + 1, TimeSpan.FromSeconds(20), "every event again");
        Assert.Equal(offsets, secondAgain.Offsets.Take(events));
        Assert.Equal(secondAgain.Offsets.Skip(events), firstAgain.Offsets);
    }
}
