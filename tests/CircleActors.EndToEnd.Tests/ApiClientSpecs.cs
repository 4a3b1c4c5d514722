using System.Diagnostics;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// Compatibility with a CircleCI API v2 client nobody here wrote: the npm package circle-client,
/// installed by the spec and pointed at the server, lists a real run's pipelines, workflows,
/// jobs and artifacts, and reads CircleCI's error shape.
/// </summary>
public sealed class ApiClientSpecs(ITestOutputHelper output)
{
    private const string Config = """
        version: 2.1
        jobs:
          build:
            docker: [{image: circleactors/busybox:latest}]
            steps:
              - checkout
              - run: mkdir -p out && echo report > out/report.txt
              - store_artifacts: {path: out, destination: reports}
        workflows:
          main:
            jobs: [build]
        """;

    [Fact]
    public async Task The_npm_circle_client_lists_a_real_run_through_the_v2_api()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        await using var installation = await Installation.StartAsync(output, "sqlite");
        await installation.AddProjectAsync("gh/acme/client", repository.Path, "secret");
        var pipeline = await installation.TriggerAsync("gh/acme/client");
        await installation.WaitForPipelineAsync(pipeline, TimeSpan.FromSeconds(120));

        var client = Directory.CreateTempSubdirectory("ca-npm-client-").FullName;
        try
        {
            foreach (var file in new[] { "package.json", "list-run.js" })
                File.Copy(Path.Combine(AppContext.BaseDirectory, "ApiClient", file), Path.Combine(client, file));
            await RunAsync(client, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], new());
            var token = installation.Http.DefaultRequestHeaders.GetValues("Circle-Token").Single();
            var listed = JsonNode.Parse(await RunAsync(client, "node", ["list-run.js"], new()
            {
                ["CIRCLEACTORS_URL"] = installation.Http.BaseAddress!.ToString().TrimEnd('/'), ["CIRCLE_TOKEN"] = token, ["SLUG"] = "gh/acme/client",
            }))!;

            Assert.Equal(("admin", "gh/acme/client"), (listed["login"]!.GetValue<string>(), listed["slug"]!.GetValue<string>()));
            var run = Assert.Single(listed["runs"]!.AsArray())!;
            Assert.Equal((1L, "api", true, "main", "success", "build", "success"), (
                run["pipeline"]!.GetValue<long>(), run["trigger"]!.GetValue<string>(), run["compiled"]!.GetValue<bool>(),
                run["workflow"]!.GetValue<string>(), run["workflowStatus"]!.GetValue<string>(), run["job"]!.GetValue<string>(),
                run["jobStatus"]!.GetValue<string>()));
            Assert.Equal(["reports/report.txt"], run["artifacts"]!.AsArray().Select(a => a!.GetValue<string>()));
            // The client turns CircleCI's {"message": ...} into its APIError.
            Assert.Equal(("APIError", 404), (listed["missing"]!["name"]!.GetValue<string>(), listed["missing"]!["status"]!.GetValue<int>()));
        }
        finally
        {
            Directory.Delete(client, recursive: true);
        }
    }

    private async Task<string> RunAsync(string directory, string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine($"{program} {string.Join(' ', arguments)}: exit {process.ExitCode}\n{await stderr}");
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {await stderr}");
        return await stdout;
    }
}
