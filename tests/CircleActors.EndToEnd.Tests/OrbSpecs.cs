using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>An orb the operator imported into the server's registry is used by a pipeline, with its parameters.</summary>
public sealed class OrbSpecs(ITestOutputHelper output)
{
    private const string Orb = """
        version: 2.1
        jobs:
          greet:
            parameters:
              who: { type: string, default: world }
            docker: [{ image: circleactors/busybox:latest }]
            steps:
              - run: echo "hello << parameters.who >> from an orb"
        """;

    private const string Config = """
        version: 2.1
        orbs:
          hello: acme/hello@1.0
        workflows:
          greet:
            jobs:
              - hello/greet:
                  who: operator
        """;

    [Fact]
    public async Task A_pipeline_runs_a_job_from_an_orb_imported_into_the_registry()
    {
        using var repository = new GitRepository();
        repository.Commit(new Dictionary<string, string> { [".circleci/config.yml"] = Config, ["hello-orb.yml"] = Orb });
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);

        // The operator imports the orb with the CLI, into the running server's data directory.
        var import = Process.Start(new ProcessStartInfo("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "circleactors.dll"), "orb", "import", Path.Combine(repository.Path, "hello-orb.yml"),
            "--name", "acme/hello@1.0.3", "--data-dir", installation.DataDirectory,
        ]))!;
        await import.WaitForExitAsync();
        Assert.Equal(0, import.ExitCode);

        await installation.AddProjectAsync("gh/acme/orbs", repository.Path, "secret");
        var pipelineId = await installation.TriggerAsync("gh/acme/orbs");
        var pipeline = await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));

        Assert.Equal("created", pipeline["state"]!.GetValue<string>());
        var job = Assert.Single(await installation.WorkflowJobsAsync(pipelineId))!;
        Assert.Equal("success", job["status"]!.GetValue<string>());
        var text = await installation.GetTextAsync($"/api/v2/project/gh/acme/orbs/job/{job["job_number"]}/output");
        Assert.Contains("hello operator from an orb", text);
    }
}
