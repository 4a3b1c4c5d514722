using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary>
/// A project's checkout credentials (see docs/decisions/checkout-credentials.md):
/// <c>/checkout-key</c> as CircleCI's v2 API has it (the server makes the key pair and shows the
/// public half), <c>/ssh-key</c> for the additional keys <c>add_ssh_keys</c> installs (the
/// operator gives the private key), and <c>/checkout-token</c> for https:// repositories.
/// Private keys and tokens are sealed here, before any command is sent, and never come back out.
/// </summary>
public static partial class CheckoutCredentialsApi
{
    public sealed record CheckoutKeyRequest(string? Type);

    public sealed record CheckoutKeyView(
        [property: JsonPropertyName("public-key")] string PublicKey,
        string Type,
        string Fingerprint,
        bool Preferred,
        [property: JsonPropertyName("created-at")] DateTimeOffset CreatedAt);

    public sealed record SshKeyRequest(string? Hostname, string? PrivateKey);

    public sealed record SshKeyView(
        string? Hostname,
        [property: JsonPropertyName("public-key")] string PublicKey,
        string Fingerprint,
        [property: JsonPropertyName("sha256-fingerprint")] string Sha256Fingerprint,
        [property: JsonPropertyName("created-at")] DateTimeOffset CreatedAt);

    public sealed record CheckoutTokenRequest(string? Token, string? Username);

    public sealed record CheckoutTokenView(string Username, string Token, [property: JsonPropertyName("created-at")] DateTimeOffset CreatedAt);

    public static void MapProjectCheckoutCredentials(this RouteGroupBuilder api)
    {
        var project = api.MapGroup("/project/{vcs}/{org}/{repo}");
        project.MapGet("/checkout-key", (string vcs, string org, string repo, Entities entities, CancellationToken ct) => ListKeys(vcs, org, repo, entities, checkout: true, ct));
        project.MapPost("/checkout-key", CreateCheckoutKey);
        // Catch-all: a SHA256 fingerprint may hold '/'.
        project.MapGet("/checkout-key/{*fingerprint}", (string vcs, string org, string repo, string fingerprint, Entities entities, CancellationToken ct) =>
            GetKey(vcs, org, repo, fingerprint, entities, checkout: true, ct));
        project.MapDelete("/checkout-key/{*fingerprint}", (string vcs, string org, string repo, string fingerprint, Entities entities, CancellationToken ct) =>
            DeleteKey(vcs, org, repo, fingerprint, entities, checkout: true, ct));
        project.MapGet("/ssh-key", (string vcs, string org, string repo, Entities entities, CancellationToken ct) => ListKeys(vcs, org, repo, entities, checkout: false, ct));
        project.MapPost("/ssh-key", AddSshKey);
        project.MapGet("/ssh-key/{*fingerprint}", (string vcs, string org, string repo, string fingerprint, Entities entities, CancellationToken ct) =>
            GetKey(vcs, org, repo, fingerprint, entities, checkout: false, ct));
        project.MapDelete("/ssh-key/{*fingerprint}", (string vcs, string org, string repo, string fingerprint, Entities entities, CancellationToken ct) =>
            DeleteKey(vcs, org, repo, fingerprint, entities, checkout: false, ct));
        project.MapGet("/checkout-token", GetToken);
        project.MapPut("/checkout-token", SetToken);
        project.MapDelete("/checkout-token", DeleteToken);
    }

    private static Task<IResult> CreateCheckoutKey(string vcs, string org, string repo, CheckoutKeyRequest? request, Entities entities, SecretBox secrets, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (!SshKeyKinds.IsCheckoutKind(request?.Type))
                return ApiErrors.BadRequest($"type must be {SshKeyKinds.DeployKey} or {SshKeyKinds.UserKey}");
            var key = Sealed(project, request!.Type!, null, SshKeyMaterial.GenerateRsa(), secrets);
            var changed = await AddAsync(project, key, entities, ct);
            return Results.Json(CheckoutView(changed, key), statusCode: StatusCodes.Status201Created);
        });

    private static Task<IResult> AddSshKey(string vcs, string org, string repo, SshKeyRequest? request, Entities entities, SecretBox secrets, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (string.IsNullOrWhiteSpace(request?.PrivateKey)) return ApiErrors.BadRequest("private_key is required");
            var hostname = string.IsNullOrWhiteSpace(request.Hostname) ? null : request.Hostname.Trim();
            if (hostname is not null && !HostPattern().IsMatch(hostname))
                return ApiErrors.BadRequest("hostname must be a host name or an ssh Host pattern (letters, digits, '.', '-', '_', '*', '?')");
            SshKeyMaterial material;
            try
            {
                material = SshKeyMaterial.FromPrivateKey(request.PrivateKey);
            }
            catch (FormatException ex)
            {
                return ApiErrors.BadRequest(ex.Message);
            }
            if (project.FindSshKey(material.Md5Fingerprint) is not null)
                return ApiErrors.Message(StatusCodes.Status409Conflict, $"the project already has the key {material.Md5Fingerprint}");
            var key = Sealed(project, SshKeyKinds.Additional, hostname, material, secrets);
            await AddAsync(project, key, entities, ct);
            return Results.Json(AdditionalView(key), statusCode: StatusCodes.Status201Created);
        });

    private static ProjectSshKey Sealed(ProjectState project, string kind, string? hostname, SshKeyMaterial material, SecretBox secrets) =>
        new(kind, material.PublicKey, material.Md5Fingerprint, material.Sha256Fingerprint, hostname,
            secrets.Seal(project.Slug, SealingNames.SshKey(material.Sha256Fingerprint), material.PrivateKey), DateTimeOffset.UtcNow);

    private static async Task<ProjectState> AddAsync(ProjectState project, ProjectSshKey key, Entities entities, CancellationToken ct)
    {
        await Reliably.AskForAsync<Accepted>(entities.Projects, new ProjectCommands.AddSshKey(project.Slug, key, Actor.Admin), ct);
        return await Reliably.AskForAsync<ProjectState>(entities.Projects, new ProjectQueries.GetProject(project.Slug), ct);
    }

    private static Task<IResult> ListKeys(string vcs, string org, string repo, Entities entities, bool checkout, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, project => Task.FromResult(Results.Json(new Page<object>(
            project.SshKeys.Where(k => k.IsCheckoutKey == checkout).Select(k => View(project, k)).ToList()))));

    private static Task<IResult> GetKey(string vcs, string org, string repo, string fingerprint, Entities entities, bool checkout, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, project => Task.FromResult(
            Find(project, fingerprint, checkout) is { } key ? Results.Json(View(project, key)) : KeyNotFound(project, fingerprint)));

    private static Task<IResult> DeleteKey(string vcs, string org, string repo, string fingerprint, Entities entities, bool checkout, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (Find(project, fingerprint, checkout) is not { } key) return KeyNotFound(project, fingerprint);
            await Reliably.AskForAsync<Accepted>(entities.Projects, new ProjectCommands.DeleteSshKey(project.Slug, key.Md5Fingerprint, Actor.Admin), ct);
            return Results.Json(new { message = "ok" });
        });

    private static ProjectSshKey? Find(ProjectState project, string fingerprint, bool checkout) =>
        project.FindSshKey(Uri.UnescapeDataString(fingerprint)) is { } key && key.IsCheckoutKey == checkout ? key : null;

    private static IResult KeyNotFound(ProjectState project, string fingerprint) => ApiErrors.NotFound($"no key with fingerprint {fingerprint} in {project.Slug}");

    private static object View(ProjectState project, ProjectSshKey key) => key.IsCheckoutKey ? CheckoutView(project, key) : AdditionalView(key);

    private static CheckoutKeyView CheckoutView(ProjectState project, ProjectSshKey key) =>
        new(key.PublicKey, key.Kind, key.Md5Fingerprint, project.PreferredCheckoutKey == key, key.CreatedAt);

    private static SshKeyView AdditionalView(ProjectSshKey key) => new(key.Hostname, key.PublicKey, key.Md5Fingerprint, key.Sha256Fingerprint, key.CreatedAt);

    private static Task<IResult> GetToken(string vcs, string org, string repo, Entities entities, SecretBox secrets, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, project => Task.FromResult(project.HttpsCheckoutToken is { } token
            ? Results.Json(TokenView(project, token, secrets))
            : ApiErrors.NotFound($"{project.Slug} has no checkout token")));

    private static Task<IResult> SetToken(string vcs, string org, string repo, CheckoutTokenRequest? request, Entities entities, SecretBox secrets, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (string.IsNullOrWhiteSpace(request?.Token)) return ApiErrors.BadRequest("token is required");
            if (request.Token.Any(char.IsWhiteSpace)) return ApiErrors.BadRequest("token must not contain white space");
            var username = string.IsNullOrWhiteSpace(request.Username) ? CheckoutToken.DefaultUsername : request.Username.Trim();
            if (username.Contains(':') || username.Any(char.IsWhiteSpace)) return ApiErrors.BadRequest("username must not contain ':' or white space");
            var token = new CheckoutToken(username, secrets.Seal(project.Slug, SealingNames.CheckoutToken, request.Token), DateTimeOffset.UtcNow);
            await Reliably.AskForAsync<Accepted>(entities.Projects, new ProjectCommands.SetCheckoutToken(project.Slug, token, Actor.Admin), ct);
            return Results.Json(new CheckoutTokenView(username, EnvironmentVariables.MaskForDisplay(request.Token), token.CreatedAt));
        });

    private static Task<IResult> DeleteToken(string vcs, string org, string repo, Entities entities, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (project.HttpsCheckoutToken is null) return ApiErrors.NotFound($"{project.Slug} has no checkout token");
            await Reliably.AskForAsync<Accepted>(entities.Projects, new ProjectCommands.DeleteCheckoutToken(project.Slug, Actor.Admin), ct);
            return Results.Json(new { message = "ok" });
        });

    /// <summary>Opened only to take its last characters, like an environment variable; one that does not open shows as <c>xxxx</c>.</summary>
    private static CheckoutTokenView TokenView(ProjectState project, CheckoutToken token, SecretBox secrets)
    {
        try
        {
            return new(token.Username, EnvironmentVariables.MaskForDisplay(secrets.Open(project.Slug, SealingNames.CheckoutToken, token.Token)), token.CreatedAt);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return new(token.Username, "xxxx", token.CreatedAt);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9.*?_\-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();
}
