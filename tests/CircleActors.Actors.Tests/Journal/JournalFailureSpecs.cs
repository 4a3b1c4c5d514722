using Akka.Actor;
using CircleActors.Actors.Projects;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects.Messages;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>An entity replies only once its events are durable: a write the journal refuses is never acknowledged.</summary>
public sealed class JournalFailureSpecs(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_command_whose_events_the_journal_cannot_write_gets_no_reply_and_succeeds_once_when_retried_after_the_journal_is_back(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        await Ci.AddProjectAsync(node, "/nowhere");
        var projects = node.Get<ProjectRegion>();
        var pipeline = PipelineId.New();
        var reserve = new ProjectCommands.ReservePipelineNumber(Ci.Project, pipeline);

        // The table vanishing is the journal failing every write, as a lost database would.
        await journal.ExecuteAsync("ALTER TABLE journal RENAME TO journal_offline");
        await Assert.ThrowsAsync<AskTimeoutException>(() => projects.Ask<object>(reserve, TimeSpan.FromSeconds(3)));
        await journal.ExecuteAsync("ALTER TABLE journal_offline RENAME TO journal");

        Assert.Equal(1, await ReservedOnceTheJournalIsBackAsync(projects, reserve));
        var events = await Ci.EventsAsync(node, ProjectEntity.PersistencePrefix + Ci.Project.Value);
        Assert.Single(events.OfType<ProjectEvents.PipelineNumberReserved>());
    }

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task An_answer_decided_on_an_event_still_being_written_is_never_given_when_that_write_fails(string provider)
    {
        await using var journal = await TestJournal.CreateAsync(provider);
        await using var node = await TestNode.StartAsync(journal, output);
        await Ci.AddProjectAsync(node, "/nowhere");
        var projects = node.Get<ProjectRegion>();
        var reserve = new ProjectCommands.ReservePipelineNumber(Ci.Project, PipelineId.New());
        await journal.ExecuteAsync("ALTER TABLE journal RENAME TO journal_offline");

        var first = projects.Ask<object>(reserve, TimeSpan.FromSeconds(3));
        // Decided while the first is being written: a repeat (no events of its own) and a query both read the undurable number.
        var repeated = projects.Ask<object>(reserve, TimeSpan.FromSeconds(3));
        var query = projects.Ask<object>(new ProjectQueries.GetProject(Ci.Project), TimeSpan.FromSeconds(3));
        await Assert.ThrowsAsync<AskTimeoutException>(() => first);
        await Assert.ThrowsAsync<AskTimeoutException>(() => repeated);
        await Assert.ThrowsAsync<AskTimeoutException>(() => query);
        await journal.ExecuteAsync("ALTER TABLE journal_offline RENAME TO journal");

        Assert.Equal(1, await ReservedOnceTheJournalIsBackAsync(projects, reserve));
    }

    /// <summary>The pipeline number the reservation gets once the journal takes writes again (asked until it answers).</summary>
    private static async Task<long> ReservedOnceTheJournalIsBackAsync(IActorRef projects, ProjectCommands.ReservePipelineNumber reserve)
    {
        var reserved = await Eventually.MatchesAsync(
            () => projects.Ask<object>(reserve, TimeSpan.FromSeconds(3)), reply => reply is ProjectReplies.PipelineNumberReserved,
            TimeSpan.FromSeconds(30), "number reserved");
        return ((ProjectReplies.PipelineNumberReserved)reserved).Number;
    }
}
