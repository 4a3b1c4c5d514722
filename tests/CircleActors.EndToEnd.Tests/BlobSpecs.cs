using System.Net;
using System.Text.Json.Nodes;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// Workspaces, caches and artifacts on real processes: a separate agent process moves them
/// through the server's blob service over the cluster, and the server lists and serves the
/// artifacts through the API, by the safe-content-type rule, before and after a restart.
/// </summary>
public sealed class BlobSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/blobs";

    private const string Config = """
        version: 2.1
        executors:
          box:
            docker:
              - image: circleactors/busybox:latest
        jobs:
          a:
            executor: box
            steps:
              - run: mkdir -p ws/a && echo from-a > ws/a/x.txt && echo a > ws/shared.txt
              - persist_to_workspace:
                  root: ws
                  paths: [a, shared.txt]
              - run: mkdir -p deps && echo cached-by-a > deps/v
              - save_cache:
                  key: 'deps-{{ .Branch }}-{{ .Revision }}'
                  paths: [deps]
          b:
            executor: box
            steps:
              - run: mkdir -p ws/b && echo from-b > ws/b/y.txt && echo b > ws/shared.txt
              - persist_to_workspace:
                  root: ws
                  paths: [.]
          c:
            executor: box
            steps:
              - attach_workspace:
                  at: /tmp/ws
              - restore_cache:
                  keys: ['deps-{{ .Branch }}-', 'deps-']
              - run: |
                  mkdir -p out/site
                  cat /tmp/ws/a/x.txt /tmp/ws/b/y.txt /tmp/ws/shared.txt deps/v > out/summary.txt
                  echo '<script>alert(1)</script>' > out/site/index.html
                  echo '{"ok":true}' > out/result.json
                  printf 'PNG' > out/shot.png
                  echo zip > out/dist.zip
              - store_artifacts:
                  path: out
                  destination: reports
        workflows:
          build:
            jobs:
              - a
              - b
              - c:
                  requires: [a, b]
        """;

    [Fact]
    public async Task Upstream_workspaces_and_caches_reach_a_job_on_a_separate_agent_and_its_artifacts_are_served_safely()
    {
        using var repository = new GitRepository();
        repository.CommitConfig(Config);
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await installation.AddProjectAsync(Slug, repository.Path, "secret");

        var pipelineId = await installation.TriggerAsync(Slug);
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(3));
        var jobs = await installation.WorkflowJobsAsync(pipelineId);
        var c = jobs.Single(j => j!["name"]!.GetValue<string>() == "c")!;
        var number = c["job_number"]!.GetValue<long>();
        var log = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{number}/output");
        Assert.True(jobs.All(j => j!["status"]!.GetValue<string>() == "success"), log);
        Assert.Contains("Attached the workspace at /tmp/ws (2 layers)", log);
        Assert.Contains("Found a cache from key deps-main-", log);
        Assert.Contains("Uploaded 5 artifacts from /root/project/out", log);

        await ArtifactsAreListedAndServedSafely(installation, number);

        // The listing comes from the blob store, not from memory: a restarted server still has it.
        installation.Server!.Kill();
        await installation.StartServerAsync();
        await ArtifactsAreListedAndServedSafely(installation, number);

        // Rerunning only c reuses a and b: the layers they persisted in the first workflow are attached again.
        var workflowId = (await installation.GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
        var body = new JsonObject { ["jobs"] = new JsonArray(c["id"]!.GetValue<string>()) }.ToJsonString();
        using var rerun = await installation.Http.PostAsync($"/api/v2/workflow/{workflowId}/rerun",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
        var rerunId = JsonNode.Parse(await rerun.Content.ReadAsStringAsync())!["workflow_id"]!.GetValue<string>();
        JsonNode? again = null;
        for (var i = 0; i < 600 && again is null; i++)
        {
            // The rerun's workflow is 404 until the read side has it.
            using var listing = await installation.Http.GetAsync($"/api/v2/workflow/{rerunId}/job");
            if (listing.IsSuccessStatusCode)
                again = JsonNode.Parse(await listing.Content.ReadAsStringAsync())!["items"]!.AsArray()
                    .SingleOrDefault(j => j!["name"]!.GetValue<string>() == "c" && j["stopped_at"] is not null);
            if (again is null) await Task.Delay(200);
        }
        Assert.NotNull(again);
        var rerunLog = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{again["job_number"]}/output");
        Assert.True(again["status"]!.GetValue<string>() == "success", rerunLog);
        Assert.NotEqual(number, again["job_number"]!.GetValue<long>());
        Assert.Contains("Attached the workspace at /tmp/ws (2 layers)", rerunLog);
    }

    private static async Task ArtifactsAreListedAndServedSafely(Installation installation, long number)
    {
        var listing = await installation.GetAsync($"/api/v2/project/{Slug}/{number}/artifacts");
        Assert.True(listing.AsObject().ContainsKey("next_page_token") && listing["next_page_token"] is null, listing.ToJsonString());
        var items = listing["items"]!.AsArray();
        Assert.Equal(["reports/dist.zip", "reports/result.json", "reports/shot.png", "reports/site/index.html", "reports/summary.txt"],
            items.Select(i => i!["path"]!.GetValue<string>()));
        Assert.All(items, i => Assert.Equal(0, i!["node_index"]!.GetValue<int>()));
        string Url(string path) => items.Single(i => i!["path"]!.GetValue<string>() == path)!["url"]!.GetValue<string>();
        Assert.Equal($"{installation.Http.BaseAddress}api/v2/project/{Slug}/{number}/artifacts/0/reports/site/index.html", Url("reports/site/index.html"));

        using (var summary = await installation.Http.GetAsync(Url("reports/summary.txt")))
        {
            Assert.Equal(HttpStatusCode.OK, summary.StatusCode);
            Assert.Equal("text/plain", summary.Content.Headers.ContentType!.MediaType);
            Assert.Equal("from-a\nfrom-b\nb\ncached-by-a\n", await summary.Content.ReadAsStringAsync());
        }
        using (var html = await installation.Http.GetAsync(Url("reports/site/index.html")))
        {
            Assert.Equal("text/plain", html.Content.Headers.ContentType!.MediaType);
            Assert.Null(html.Content.Headers.ContentDisposition);
            Assert.Equal("nosniff", html.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("<script>alert(1)</script>\n", await html.Content.ReadAsStringAsync());
        }
        using (var json = await installation.Http.GetAsync(Url("reports/result.json")))
            Assert.Equal("application/json", json.Content.Headers.ContentType!.MediaType);
        using (var png = await installation.Http.GetAsync(Url("reports/shot.png")))
            Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        using (var zip = await installation.Http.GetAsync(Url("reports/dist.zip")))
        {
            Assert.Equal("attachment", zip.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("dist.zip", zip.Content.Headers.ContentDisposition.FileName);
        }
        using (var anonymous = await new HttpClient().GetAsync(Url("reports/summary.txt")))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var missing = await installation.Http.GetAsync($"/api/v2/project/{Slug}/{number}/artifacts/0/reports/nope.txt"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // Dot segments are resolved before routing, so a path can only name something below the job's artifacts.
        using (var climbing = await installation.Http.GetAsync($"/api/v2/project/{Slug}/{number}/artifacts/0/%2E%2E/%2E%2E/%2E%2E/admin.token"))
            Assert.Equal(HttpStatusCode.NotFound, climbing.StatusCode);
    }
}
