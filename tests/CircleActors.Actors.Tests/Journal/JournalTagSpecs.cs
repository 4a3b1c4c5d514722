using System.Collections.Concurrent;
using CircleActors.Actors.Projections;
using CircleActors.Actors.Tests.Support;
using CircleActors.Domain.Jobs;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.Journal;

/// <summary>
/// Tags are kept in the journal row. A journal written when they were kept in the plugin's tag
/// table is moved over when a node starts on it, and its history reads by tag and recovers as before.
/// </summary>
public sealed class JournalTagSpecs(ITestOutputHelper output)
{
    /// <summary>How journals were written before: tags in the plugin's tag table, none in the journal row.</summary>
    private const string TagTableMode = TestNode.FastTimings + """

        akka.persistence.journal.sql.tag-write-mode = TagTable
        akka.persistence.query.journal.sql.tag-read-mode = TagTable
        """;

    private static readonly string[] AuditOfOneRun =
    [
        "project.add", "workflow.job.finish", "workflow.job.finish", "workflow.job.scheduled", "workflow.job.scheduled",
        "workflow.job.start", "workflow.job.start", "workflow.start",
    ];

    [Theory]
    [MemberData(nameof(TestJournal.Providers), MemberType = typeof(TestJournal))]
    public async Task A_journal_with_its_tags_in_the_tag_table_gets_them_in_its_rows_and_projects_and_recovers_as_before(string provider)
    {
        using var repository = await TestRepository.WithConfigAsync(Ci.TwoJobConfig);
        await using var journal = await TestJournal.CreateAsync(provider);
        IReadOnlyList<(string Action, string Target, string Id)> auditBefore;
        await using (var before = await TestNode.StartAsync(journal, output, TagTableMode))
        {
            before.StartAgent("agent-1", new ConcurrentQueue<JobTaskSpec>());
            await Ci.AddProjectAsync(before, repository.Path);
            var pipeline = await Ci.TriggerAsync(before, repository.Path);
            await Eventually.MatchesAsync(() => Ci.WorkflowAsync(before, Ci.Workflow(pipeline)), w => w.IsFinished, TimeSpan.FromSeconds(60), "first workflow finished");
            auditBefore = await Eventually.MatchesAsync(() => Ci.AuditAsync(before), rows => rows.Count == AuditOfOneRun.Length, what: "the first run's audit rows");
        }
        var text = journal.TextType;
        Assert.Empty(await journal.QueryStringsAsync(ColumnNamed("tags", journal)));
        var tagTable = await journal.QueryStringsAsync($"SELECT CAST(ordering_id AS {text}) || ' ;' || tag || ';' FROM tags ORDER BY ordering_id");
        var journalRows = await journal.QueryStringsAsync("SELECT persistence_id FROM journal");
        output.WriteLine($"before: {journalRows.Count} journal rows, {tagTable.Count} tag rows");
        Assert.Equal(journalRows.Count, tagTable.Count); // every domain event has one tag

        // The read side starts over, so the next node projects the whole history from the moved tags.
        await ClearReadSideAsync(journal);

        await using var after = await TestNode.StartAsync(journal, output);
        Assert.Equal(tagTable, await journal.QueryStringsAsync($"SELECT CAST(ordering AS {text}) || ' ' || tags FROM journal ORDER BY ordering"));
        var reprojected = await Eventually.MatchesAsync(() => Ci.AuditAsync(after), rows => rows.Count == AuditOfOneRun.Length, what: "the first run's audit rows again");
        Assert.Equal(AuditOfOneRun, reprojected.Select(r => r.Action).Order());
        Assert.Equal(auditBefore.Select(r => r.Id).Order(), reprojected.Select(r => r.Id).Order());

        // The project recovers from its moved history and numbers the next pipeline on.
        after.StartAgent("agent-2", new ConcurrentQueue<JobTaskSpec>());
        var second = await Ci.TriggerAsync(after, repository.Path);
        Assert.Equal(2, (await Ci.PipelineAsync(after, second)).Created!.Number);
        await Eventually.MatchesAsync(() => Ci.WorkflowAsync(after, Ci.Workflow(second)), w => w.IsFinished, TimeSpan.FromSeconds(60), "second workflow finished");
        await Eventually.MatchesAsync(() => Ci.AuditAsync(after), rows => rows.Count == AuditOfOneRun.Length * 2 - 1, what: "both runs' audit rows");
        Assert.Empty(await journal.QueryStringsAsync("SELECT persistence_id FROM journal WHERE tags IS NULL"));
    }

    private static string ColumnNamed(string column, TestJournal journal) => journal.Settings.Provider == Persistence.JournalProvider.Sqlite
        ? $"SELECT name FROM pragma_table_info('journal') WHERE name = '{column}'"
        : $"SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'journal' AND column_name = '{column}'";

    private static async Task ClearReadSideAsync(TestJournal journal)
    {
        var readStore = new ReadStore(journal.Settings, journal.DataDirectory);
        await using var connection = await readStore.OpenAsync();
        foreach (var table in new[] { "read_documents", "deleted_documents", "audit_log", "projection_offsets" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM {table}";
            await command.ExecuteNonQueryAsync();
        }
    }
}
