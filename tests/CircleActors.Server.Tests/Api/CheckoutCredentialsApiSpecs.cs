using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CircleActors.Actors.Projects;

namespace CircleActors.Server.Tests.Api;

/// <summary>
/// Checkout keys, additional SSH keys and the HTTPS checkout token on real Kestrel over a real
/// SQLite journal: CircleCI's shapes, bad input refused with nothing stored, audited by
/// fingerprint, and no private key or token in any answer or any file of the data directory.
/// </summary>
public sealed class CheckoutCredentialsApiSpecs() : ApiServerSpec("checkout-keys", "git@example.invalid:acme/app.git")
{
    private const string Project = "/api/v2/project/gh/acme/app";
    private const string Token = "ghp_checkoutTokenValue7Q2Z";

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(Project + path, body);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonArray> ItemsAsync(string path) => JsonNode.Parse(await Http.GetStringAsync(Project + path))!["items"]!.AsArray();

    [Fact]
    public async Task A_checkout_key_is_made_by_the_server_shown_by_its_public_half_the_newest_preferred_and_deleted_by_fingerprint()
    {
        var (status, body) = await PostAsync("/checkout-key", new { type = "deploy-key" });
        var first = JsonNode.Parse(body)!;
        var (_, secondBody) = await PostAsync("/checkout-key", new { type = "user-key" });
        var second = JsonNode.Parse(secondBody)!;

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.DoesNotContain("PRIVATE KEY", body);
        Assert.StartsWith("ssh-rsa AAAA", first["public-key"]!.GetValue<string>());
        Assert.Equal("deploy-key", first["type"]!.GetValue<string>());
        Assert.Matches("^([0-9a-f]{2}:){15}[0-9a-f]{2}$", first["fingerprint"]!.GetValue<string>());
        Assert.True(first["preferred"]!.GetValue<bool>());
        Assert.True(first["created-at"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddMinutes(-5));

        var fingerprint = first["fingerprint"]!.GetValue<string>();
        var listed = await ItemsAsync("/checkout-key");
        Assert.Equal([fingerprint, second["fingerprint"]!.GetValue<string>()], listed.Select(k => k!["fingerprint"]!.GetValue<string>()));
        Assert.Equal([false, true], listed.Select(k => k!["preferred"]!.GetValue<bool>()));
        Assert.Empty(await ItemsAsync("/ssh-key"));
        var one = JsonNode.Parse(await Http.GetStringAsync($"{Project}/checkout-key/{fingerprint}"))!;
        Assert.Equal(first["public-key"]!.GetValue<string>(), one["public-key"]!.GetValue<string>());

        using var deleted = await Http.DeleteAsync($"{Project}/checkout-key/{fingerprint}");
        using var gone = await Http.GetAsync($"{Project}/checkout-key/{fingerprint}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Single(await ItemsAsync("/checkout-key"));
    }

    [Fact]
    public async Task An_additional_key_is_given_by_its_private_half_and_answered_with_its_fingerprints_only()
    {
        var key = SshKeyMaterial.GenerateRsa();

        var (status, body) = await PostAsync("/ssh-key", new { hostname = "git.example.com", private_key = key.PrivateKey });
        var (again, _) = await PostAsync("/ssh-key", new { private_key = key.PrivateKey });
        var view = JsonNode.Parse(body)!;

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.DoesNotContain("PRIVATE KEY", body);
        Assert.Equal("git.example.com", view["hostname"]!.GetValue<string>());
        Assert.Equal(key.Md5Fingerprint, view["fingerprint"]!.GetValue<string>());
        Assert.Equal(key.Sha256Fingerprint, view["sha256-fingerprint"]!.GetValue<string>());
        Assert.Equal(key.PublicKey, view["public-key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, again);
        // The SHA256 form names it too, '/' and '+' escaped in the path.
        var bySha = JsonNode.Parse(await Http.GetStringAsync($"{Project}/ssh-key/{Uri.EscapeDataString(key.Sha256Fingerprint)}"))!;
        Assert.Equal(key.Md5Fingerprint, bySha["fingerprint"]!.GetValue<string>());
        Assert.Empty(await ItemsAsync("/checkout-key"));
    }

    [Theory]
    [InlineData("/checkout-key", """{"type":"github-app-key"}""", "type must be deploy-key or user-key")]
    [InlineData("/checkout-key", "{}", "type must be deploy-key or user-key")]
    [InlineData("/ssh-key", """{"hostname":"h"}""", "private_key is required")]
    [InlineData("/ssh-key", """{"private_key":"not a key"}""", "must be an OpenSSH private key or an RSA key in PEM form")]
    [InlineData("/ssh-key", """{"private_key":"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"}""", "does not start with openssh-key-v1")]
    [InlineData("/ssh-key", """{"hostname":"two words","private_key":"x"}""", "hostname must be")]
    public async Task A_bad_key_request_gets_400_with_the_reason_and_stores_nothing(string path, string json, string reason)
    {
        using var response = await Http.PostAsync(Project + path, new StringContent(json, Encoding.UTF8, "application/json"));
        var message = (await response.Content.ReadFromJsonAsync<JsonNode>())!["message"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, message);
        Assert.Empty(await ItemsAsync("/checkout-key"));
        Assert.Empty(await ItemsAsync("/ssh-key"));
    }

    [Fact]
    public async Task The_checkout_token_is_answered_masked_refused_when_missing_and_deleted()
    {
        using var missing = await Http.PutAsJsonAsync(Project + "/checkout-token", new { username = "bot" });
        using var set = await Http.PutAsJsonAsync(Project + "/checkout-token", new { token = Token });
        var shown = JsonNode.Parse(await Http.GetStringAsync(Project + "/checkout-token"))!;

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.DoesNotContain(Token, await set.Content.ReadAsStringAsync());
        Assert.Equal("xxxx7Q2Z", shown["token"]!.GetValue<string>());
        Assert.Equal("x-access-token", shown["username"]!.GetValue<string>());

        using var deleted = await Http.DeleteAsync(Project + "/checkout-token");
        using var gone = await Http.GetAsync(Project + "/checkout-token");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Keys_and_the_token_are_audited_by_fingerprint_and_neither_secret_is_in_any_file_of_theData_directory()
    {
        var key = SshKeyMaterial.GenerateRsa();
        var (status, _) = await PostAsync("/ssh-key", new { private_key = key.PrivateKey });
        using var token = await Http.PutAsJsonAsync(Project + "/checkout-token", new { token = Token });
        Assert.Equal(HttpStatusCode.Created, status);
        var audit = "";
        for (var i = 0; i < 100 && !(audit.Contains("project.ssh_key.create") && audit.Contains("project.checkout_token.create")); i++)
        {
            await Task.Delay(100);
            audit = await Http.GetStringAsync("/api/v2/admin/audit-log.csv");
        }
        await StopAsync();

        Assert.Single(audit.Split('\n'), line => line.Contains("project.ssh_key.create") && line.Contains(key.Md5Fingerprint));
        Assert.Single(audit.Split('\n'), line => line.Contains("project.checkout_token.create"));
        // A body line of the private key: any copy of the key holds it.
        var keyLine = key.PrivateKey.Split('\n')[2];
        Assert.DoesNotContain(keyLine, audit);
        var files = Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => Path.GetFileName(f) == "journal.db");
        Assert.All(files, file =>
        {
            var text = File.ReadAllText(file, Encoding.Latin1);
            Assert.False(text.Contains(keyLine) || text.Contains(Token), $"{file} holds a private key or the token");
        });
    }
}
