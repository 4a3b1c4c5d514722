using System.Net.Http.Json;
using System.Text;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// What a job does on a separate agent process, end to end: project environment variables set
/// through the API reach the steps (below the config's own) with their values masked in the
/// stored output, a service container answers on localhost, a background step runs beside the
/// others, and a silent step is stopped by its no_output_timeout.
/// </summary>
public sealed class JobExecutionSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/exec";
    private const string Token = "e2e-token-7d41c0b8-QRST";

    private const string Config = """
        version: 2.1
        jobs:
          secrets:
            docker:
              - image: circleactors/busybox:latest
                environment:
                  OVERRIDDEN: from-the-container
              - image: circleactors/busybox:latest
                name: echo-service
                entrypoint: ["/bin/sh", "-c"]
                command: ["while :; do echo \"service says $WORD\" | nc -l -p 7777; done"]
                environment:
                  WORD: hello
            steps:
              - run:
                  name: Use the token
                  command: |
                    echo "token=$API_TOKEN"
                    printf 'split %s' "${API_TOKEN%%7d*}"; sleep 0.5; printf '%s\n' "${API_TOKEN#e2e-token-}"
                    echo "overridden=$OVERRIDDEN"
              - run:
                  name: Ticker
                  background: true
                  command: while :; do echo tick; touch /tmp/ticked; sleep 0.2; done
              - run:
                  name: Ask the service
                  # After the ticker has ticked once: on a loaded machine it may start after this step.
                  command: for i in $(seq 1 100); do [ -e /tmp/ticked ] && break; sleep 0.1; done; for i in $(seq 1 50); do out=$(nc localhost 7777 </dev/null) && [ -n "$out" ] && echo "$out" && exit 0; sleep 0.1; done; exit 1
          silent:
            docker:
              - image: circleactors/busybox:latest
            steps:
              - run:
                  name: Say nothing
                  no_output_timeout: 2s
                  command: echo begins; sleep 60
        workflows:
          exec:
            jobs: [secrets, silent]
        """;

    [Fact]
    public async Task Project_variables_are_masked_services_answer_background_steps_run_and_silence_times_out()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");
        foreach (var (name, value) in new[] { ("API_TOKEN", Token), ("OVERRIDDEN", "from-the-project") })
        {
            using var set = await installation.Http.PostAsJsonAsync($"/api/v2/project/{Slug}/envvar", new { name, value });
            Assert.Equal(System.Net.HttpStatusCode.Created, set.StatusCode);
        }

        var pipelineId = await installation.TriggerAsync(Slug);
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(2));
        var jobs = await installation.WorkflowJobsAsync(pipelineId);
        var secrets = jobs.Single(j => j!["name"]!.GetValue<string>() == "secrets")!;
        var silent = jobs.Single(j => j!["name"]!.GetValue<string>() == "silent")!;
        var secretsOutput = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{secrets["job_number"]}/output");
        var silentOutput = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{silent["job_number"]}/output");

        Assert.True(secrets["status"]!.GetValue<string>() == "success", secretsOutput);
        Assert.Contains("token=********\n", secretsOutput);
        Assert.Contains("split ********\n", secretsOutput);
        Assert.Contains("overridden=from-the-container\n", secretsOutput);
        Assert.Contains("service says hello\n", secretsOutput);
        Assert.Contains("==> Ticker (canceled)", secretsOutput);
        Assert.Contains("tick\n", secretsOutput);

        Assert.Equal("failed", silent["status"]!.GetValue<string>());
        Assert.Contains("==> Say nothing (timedout", silentOutput);
        Assert.Contains("Too long with no output (exceeded 2s): context deadline exceeded", silentOutput);

        // Journal, read store (with their write-ahead logs) and the stored step output.
        var files = Directory.EnumerateFiles(installation.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.Contains(Path.Combine("blobs", "logs"), StringComparison.Ordinal));
        foreach (var file in files)
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            Assert.False((await reader.ReadToEndAsync()).Contains(Token), $"{file} holds the token");
        }
    }
}
