using System.Net;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary><c>ops build delete</c> against a real server and agent: a running build is canceled, hidden, audited, and kept in the journal.</summary>
public sealed class BuildDeletionSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/deletion";

    private const string SleepConfig = """
        version: 2.1
        jobs:
          work:
            docker: [{ image: circleactors/busybox:latest }]
            steps: [{ run: { name: Work, command: "echo working; sleep 60; echo done" } }]
        workflows:
          main:
            jobs: [work]
        """;

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(Installation installation, string path)
    {
        using var response = await installation.Http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static Task UntilNotFoundAsync(Installation installation, string path) =>
        Poll.UntilAsync(async () => (await GetAsync(installation, path)).Status == HttpStatusCode.NotFound ? "" : null, $"{path} never became 404");

    [Fact]
    public async Task A_running_build_deleted_by_its_link_is_canceled_hidden_from_the_api_audited_and_kept_in_the_journal()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(SleepConfig);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");

        var doomed = await installation.TriggerAsync(Slug);
        var job = await Poll.UntilAsync(async () =>
            (await installation.WorkflowJobsAsync(doomed)).FirstOrDefault(j => j!["status"]!.GetValue<string>() == "running"), "the build never ran", 120);
        var jobNumber = job!["job_number"]!.GetValue<long>();
        var workflow = (await installation.GetAsync($"/api/v2/pipeline/{doomed}/workflow"))["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
        var doomedNumber = (await installation.GetAsync($"/api/v2/pipeline/{doomed}"))["number"]!.GetValue<long>();

        var deleted = await OpsCli.OkAsync(installation, "build", "delete", $"{installation.BaseUrl}/pipelines/{doomed}");
        var kept = await installation.TriggerAsync(Slug);
        Assert.Contains($"ID                 = {doomed}", deleted);
        Assert.Contains("Deleted by         = admin", deleted);
        Assert.True(deleted.Contains($"Canceled workflows = {workflow}"), deleted);

        // The entity answers at once; the read side once the deletion is projected.
        var (status, body) = await GetAsync(installation, $"/api/v2/pipeline/{doomed}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains($"pipeline {doomed} was deleted", body);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(installation, $"/api/v2/pipeline/{doomed}/workflow")).Status);
        await UntilNotFoundAsync(installation, $"/api/v2/workflow/{workflow}");
        Assert.Contains("belongs to a deleted pipeline", (await GetAsync(installation, $"/api/v2/workflow/{workflow}")).Body);
        await UntilNotFoundAsync(installation, $"/api/v2/project/{Slug}/job/{jobNumber}");
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(installation, $"/api/v2/project/{Slug}/job/{jobNumber}/output")).Status);
        var listed = await Poll.UntilAsync(async () =>
        {
            var ids = (await installation.GetAsync($"/api/v2/project/{Slug}/pipeline"))["items"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();
            return ids.Contains(kept) ? ids : null;
        }, "the next pipeline was never listed");
        Assert.Contains(kept, listed);
        Assert.DoesNotContain(doomed, listed);
        var jobs = JsonNode.Parse(await OpsCli.OkAsync(installation, "job", "status", "-all", "-json"))!.AsArray();
        Assert.DoesNotContain(jobs, j => j!["project"]!.GetValue<string>() == Slug && j["number"]!.GetValue<long>() == jobNumber);

        var audit = await Poll.UntilAsync(async () =>
        {
            var csv = await installation.GetTextAsync("/api/v2/admin/audit-log.csv");
            return csv.Contains("pipeline.delete") && csv.Contains("workflow.cancel") ? csv : null;
        }, "the deletion was never audited");
        var row = audit.Split('\n').Single(l => l.Contains("pipeline.delete"));
        Assert.Contains(doomed, row);
        Assert.Contains("admin", row);
        Assert.Contains($"\"\"pipeline_number\"\":{doomedNumber}", row);

        // Deleting again (by slug and number) is answered with the first deletion; bad references are refused.
        var again = JsonNode.Parse(await OpsCli.OkAsync(installation, "build", "delete", $"{Slug}/{doomedNumber}", "-json"))!;
        Assert.Equal(doomed, again["id"]!.GetValue<string>());
        Assert.Empty(again["canceled_workflows"]!.AsArray());
        var (refused, reason) = await OpsCli.RunAsync(installation, "build", "delete", "not-a-build");
        Assert.Equal(1, refused);
        Assert.Contains("400", reason);
        var (unknown, missing) = await OpsCli.RunAsync(installation, "build", "delete", $"{Slug}/999");
        Assert.Equal(1, unknown);
        Assert.Contains("pipeline 999 not found", missing);

        // The journal keeps every event of the deleted pipeline, the deletion last.
        await using var journal = new SqliteConnection($"Data Source={Path.Combine(installation.DataDirectory, "journal.db")};Mode=ReadOnly");
        await journal.OpenAsync();
        await using var query = journal.CreateCommand();
        query.CommandText = "SELECT manifest FROM journal WHERE persistence_id = $id ORDER BY sequence_number";
        query.Parameters.AddWithValue("$id", $"pipeline-{doomed}");
        var manifests = new List<string>();
        await using (var reader = await query.ExecuteReaderAsync())
            while (await reader.ReadAsync()) manifests.Add(reader.GetString(0));
        Assert.Equal(["pipeline.created.v1", "pipeline.config-compiled.v1", "pipeline.workflows-created.v1", "pipeline.deleted.v1"], manifests);
    }
}
