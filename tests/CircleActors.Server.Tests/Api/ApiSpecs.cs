using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.Agent.Runtime;
using CircleActors.Domain.Common;
using CircleActors.Server.Hosting;
using Microsoft.AspNetCore.Builder;

namespace CircleActors.Server.Tests.Api;

/// <summary>The HTTP side on real Kestrel at 127.0.0.1, over a real SQLite journal: authentication, shapes, bad input.</summary>
public sealed class ApiSpecs : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("ca-api-").FullName;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _token = "";

    public async Task InitializeAsync()
    {
        _app = ServerHost.Build(new ServerOptions
        {
            DataDirectory = _data,
            HttpUrl = "http://127.0.0.1:0",
            ClusterPort = 0,
            Executor = ExecutorKind.Fake,
            Agent = new AgentSettings(new NodeId("api-specs"), "api-specs", 4, 8192, 4),
        }, announce: _ => { });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        _token = (await File.ReadAllTextAsync(Path.Combine(_data, AdminToken.FileName))).Trim();
        _http.DefaultRequestHeaders.Add("Circle-Token", _token);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_admin_token_file_is_readable_by_its_owner_only()
    {
        var mode = File.GetUnixFileMode(Path.Combine(_data, AdminToken.FileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.Equal(48, _token.Length);
    }

    [Fact]
    public async Task Me_names_the_admin_and_the_openapi_document_is_public_and_lists_the_v2_paths()
    {
        using var unknown = await _http.GetAsync("/api/v2/no/such/path");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("Not found.", (await unknown.Content.ReadFromJsonAsync<JsonNode>())!["message"]!.GetValue<string>());

        var me = JsonNode.Parse(await _http.GetStringAsync("/api/v2/me"))!;
        Assert.Equal("admin", me["login"]!.GetValue<string>());
        Assert.True(Guid.TryParse(me["id"]!.GetValue<string>(), out _));

        using var anonymous = new HttpClient { BaseAddress = _http.BaseAddress };
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/api/v2/openapi.json"))!;
        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[] { "/api/v2/me", "/api/v2/project/{vcs}/{org}/{repo}/pipeline", "/api/v2/pipeline/{id}/config", "/api/v2/workflow/{id}/rerun" })
            Assert.Contains(path, paths);
    }

    [Fact]
    public async Task A_slug_sent_as_one_encoded_segment_reaches_the_same_project_and_the_pipeline_config_reads_back_compiled()
    {
        var repository = Directory.CreateTempSubdirectory("ca-api-repo-").FullName;
        try
        {
            const string config = """
                version: 2.1
                commands:
                  greet:
                    parameters:
                      who: {type: string, default: world}
                    steps:
                      - run: echo hello << parameters.who >>
                jobs:
                  build:
                    docker: [{image: circleactors/busybox:latest}]
                    steps:
                      - greet: {who: compiled}
                workflows:
                  main:
                    jobs: [build]
                """;
            Directory.CreateDirectory(Path.Combine(repository, ".circleci"));
            await File.WriteAllTextAsync(Path.Combine(repository, ".circleci", "config.yml"), config);
            foreach (var args in new[] { "init -q -b main", "add .", "-c user.name=a -c user.email=a@example.invalid commit -q -m config" })
                Assert.True((await Actors.Common.GitCli.RunAsync(repository, CancellationToken.None, args.Split(' '))).Succeeded, args);
            using var added = await _http.PostAsJsonAsync("/api/v2/project", new { slug = "gh/acme/encoded", repo_url = repository, default_branch = "main" });
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);

            var project = JsonNode.Parse(await _http.GetStringAsync("/api/v2/project/gh%2Facme%2Fencoded"))!;
            Assert.Equal("gh/acme/encoded", project["slug"]!.GetValue<string>());
            using var triggered = await _http.PostAsJsonAsync("/api/v2/project/gh%2Facme%2Fencoded/pipeline", new { branch = "main" });
            Assert.Equal(HttpStatusCode.Created, triggered.StatusCode);
            var id = (await triggered.Content.ReadFromJsonAsync<JsonNode>())!["id"]!.GetValue<string>();

            var watch = System.Diagnostics.Stopwatch.StartNew();
            HttpResponseMessage response;
            while ((response = await _http.GetAsync($"/api/v2/pipeline/{id}/config")).StatusCode == HttpStatusCode.NotFound && watch.Elapsed < TimeSpan.FromSeconds(30))
                await Task.Delay(200);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(config, body["source"]!.GetValue<string>());
            var compiled = body["compiled"]!.GetValue<string>();
            Assert.Contains("echo hello compiled", compiled);
            Assert.DoesNotContain("commands:", compiled);
            Assert.Equal("", body["setup-config"]!.GetValue<string>());
        }
        finally
        {
            Directory.Delete(repository, recursive: true);
        }
    }

    [Fact]
    public async Task Requests_without_the_token_or_with_a_wrong_one_are_unauthorized()
    {
        using var anonymous = new HttpClient { BaseAddress = _http.BaseAddress };
        using var none = await anonymous.GetAsync("/api/v2/project/gh/acme/app");
        using var wrong = await anonymous.GetAsync("/api/v2/project/gh/acme/app?circle-token=nope");
        using var query = await anonymous.GetAsync($"/api/v2/project/gh/acme/unknown?circle-token={_token}");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("You must log in first.", (await none.Content.ReadFromJsonAsync<JsonNode>())!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, query.StatusCode);
    }

    [Fact]
    public async Task An_added_project_reads_back_in_the_v2_shape_without_its_secret()
    {
        using var created = await _http.PostAsJsonAsync("/api/v2/project", new
        {
            slug = "github/acme/app", repo_url = "https://example.invalid/acme/app.git", default_branch = "trunk", webhook_secret = "very-secret-value",
        });
        var body = await created.Content.ReadAsStringAsync();
        var project = JsonNode.Parse(await _http.GetStringAsync("/api/v2/project/gh/acme/app"))!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain("very-secret-value", body);
        Assert.Equal("gh/acme/app", project["slug"]!.GetValue<string>());
        Assert.Equal("app", project["name"]!.GetValue<string>());
        Assert.Equal("acme", project["organization_name"]!.GetValue<string>());
        Assert.Equal("https://example.invalid/acme/app.git", project["vcs_info"]!["vcs_url"]!.GetValue<string>());
        Assert.Equal("GitHub", project["vcs_info"]!["provider"]!.GetValue<string>());
        Assert.Equal("trunk", project["vcs_info"]!["default_branch"]!.GetValue<string>());
        Assert.DoesNotContain("very-secret-value", project.ToJsonString());
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("""{"slug":"acme/app","repo_url":"x"}""", "slug")]
    [InlineData("""{"slug":"gh/acme/app"}""", "repo_url")]
    public async Task Malformed_project_requests_get_400_with_the_reason_and_change_nothing(string json, string reason)
    {
        using var response = await _http.PostAsync("/api/v2/project", new StringContent(json, Encoding.UTF8, "application/json"));
        var message = (await response.Content.ReadFromJsonAsync<JsonNode>())!["message"]!.GetValue<string>();
        using var after = await _http.GetAsync("/api/v2/project/gh/acme/app");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, message);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_is_refused()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        using var response = await _http.PostAsync("/api/v2/project", new StringContent($$"""{"slug":"gh/a/b","repo_url":"{{huge}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Triggering_an_unknown_project_is_404_and_an_unknown_pipeline_too()
    {
        using var trigger = await _http.PostAsJsonAsync("/api/v2/project/gh/acme/missing/pipeline", new { branch = "main" });
        using var pipeline = await _http.GetAsync($"/api/v2/pipeline/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, trigger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, pipeline.StatusCode);
    }

    [Theory]
    [InlineData("/api/v2/project/gh/acme/missing/pipeline")]
    [InlineData("/api/v2/project/gh/acme/missing/job/1/output")]
    [InlineData("/api/v2/project/gh/acme/missing/1/tests")]
    public async Task Reads_of_an_unknown_project_answer_404_naming_it(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("gh/acme/missing", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_nodes_list_shows_the_in_process_agent_and_its_capacity()
    {
        JsonArray nodes = [];
        for (var i = 0; i < 50 && nodes.Count == 0; i++)
        {
            await Task.Delay(100);
            nodes = JsonNode.Parse(await _http.GetStringAsync("/api/v2/admin/nodes"))!["items"]!.AsArray();
        }
        var node = Assert.Single(nodes)!;
        Assert.Equal("api-specs", node["name"]!.GetValue<string>());
        Assert.Equal("ready", node["status"]!.GetValue<string>());
        Assert.Equal(4, node["capacity_cpus"]!.GetValue<double>());
        Assert.False(node["drain"]!.GetValue<bool>());
        Assert.Equal(0, node["running_allocations"]!.GetValue<int>());
    }
}
