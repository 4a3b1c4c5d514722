using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Tests.Api;

/// <summary>
/// <c>/api/v2/project/{slug}/envvar</c> on real Kestrel over a real SQLite journal: masked answers,
/// bad names refused, audited, and the plaintext in no file of the data directory.
/// </summary>
public sealed class EnvironmentVariablesApiSpecs() : ApiServerSpec("envvar", "https://example.invalid/acme/app.git")
{
    private const string Value = "plaintext-4f0c9e2a-WXYZ";
    private const string Base = "/api/v2/project/gh/acme/app/envvar";

    [Fact]
    public async Task A_variable_is_answered_masked_listed_masked_read_masked_and_deleted()
    {
        using var created = await Http.PostAsJsonAsync(Base, new { name = "API_TOKEN", value = Value });
        var createdBody = await created.Content.ReadAsStringAsync();
        await Http.PostAsJsonAsync(Base, new { name = "OTHER", value = "ab" });
        var list = JsonNode.Parse(await Http.GetStringAsync(Base))!;
        var one = JsonNode.Parse(await Http.GetStringAsync(Base + "/API_TOKEN"))!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("""{"name":"API_TOKEN","value":"xxxxWXYZ"}""", createdBody);
        Assert.Equal("""{"items":[{"name":"API_TOKEN","value":"xxxxWXYZ"},{"name":"OTHER","value":"xxxx"}],"next_page_token":null}""", list.ToJsonString());
        Assert.Equal("xxxxWXYZ", one["value"]!.GetValue<string>());

        using var deleted = await Http.DeleteAsync(Base + "/API_TOKEN");
        using var gone = await Http.GetAsync(Base + "/API_TOKEN");
        using var deletedAgain = await Http.DeleteAsync(Base + "/API_TOKEN");
        var after = JsonNode.Parse(await Http.GetStringAsync(Base))!["items"]!.AsArray();

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
        Assert.Equal(["OTHER"], after.Select(v => v!["name"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("""{"name":"1ST","value":"x"}""", "not a valid environment variable name")]
    [InlineData("""{"name":"HAS-DASH","value":"x"}""", "not a valid environment variable name")]
    [InlineData("""{"value":"x"}""", "not a valid environment variable name")]
    [InlineData("""{"name":"GOOD"}""", "value is required")]
    [InlineData("{broken", "not valid JSON")]
    public async Task A_bad_request_gets_400_with_the_reason_and_stores_nothing(string json, string reason)
    {
        using var response = await Http.PostAsync(Base, new StringContent(json, Encoding.UTF8, "application/json"));
        var message = (await response.Content.ReadFromJsonAsync<JsonNode>())!["message"]!.GetValue<string>();
        var list = JsonNode.Parse(await Http.GetStringAsync(Base))!["items"]!.AsArray();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, message);
        Assert.Empty(list);
    }

    [Fact]
    public async Task An_unknown_project_is_404()
    {
        using var create = await Http.PostAsJsonAsync("/api/v2/project/gh/acme/missing/envvar", new { name = "A", value = "b" });
        using var list = await Http.GetAsync("/api/v2/project/gh/acme/missing/envvar");
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
    }

    [Fact]
    public async Task Changes_are_audited_by_name_and_the_plaintext_is_in_no_file_of_theData_directory()
    {
        using var created = await Http.PostAsJsonAsync(Base, new { name = "API_TOKEN", value = Value });
        using var deleted = await Http.DeleteAsync(Base + "/API_TOKEN");
        using var recreated = await Http.PostAsJsonAsync(Base, new { name = "API_TOKEN", value = Value });
        var audit = "";
        static int Creates(string csv) => csv.Split('\n').Count(line => line.Contains("project.env_var.create") && line.Contains("API_TOKEN"));
        for (var i = 0; i < 100 && !(audit.Contains("project.env_var.delete") && Creates(audit) == 2); i++)
        {
            await Task.Delay(100);
            audit = await Http.GetStringAsync("/api/v2/admin/audit-log.csv");
        }
        await StopAsync();

        Assert.Equal(2, Creates(audit));
        Assert.Single(audit.Split('\n'), line => line.Contains("project.env_var.delete"));
        Assert.DoesNotContain(Value, audit);
        var files = Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => Path.GetFileName(f) == "journal.db");
        Assert.Contains(files, f => Path.GetFileName(f) == "read.db");
        Assert.All(files, file => Assert.False(File.ReadAllText(file, Encoding.Latin1).Contains(Value), $"{file} holds the plaintext"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_secrets_key_is_made_on_first_start_readable_by_its_owner_only()
    {
        var path = Path.Combine(Data, SecretsKey.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(path)).Length);
    }

    [Fact]
    public async Task Values_sealed_under_one_key_show_as_xxxx_under_another_and_a_malformed_operator_key_stops_the_start()
    {
        using var created = await Http.PostAsJsonAsync(Base, new { name = "API_TOKEN", value = Value });
        await StopAsync();

        Assert.Throws<ArgumentException>(() => ApiServer.Build(Data, "envvar-specs", secretsKey: "not-base64!"));
        var otherKey = Convert.ToBase64String(new byte[32]);
        await using var other = await ApiServer.StartAsync(Data, "envvar-specs", otherKey);
        var list = JsonNode.Parse(await other.Http.GetStringAsync(Base))!["items"]!.AsArray();

        Assert.Equal("xxxx", Assert.Single(list)!["value"]!.GetValue<string>());
    }
}
