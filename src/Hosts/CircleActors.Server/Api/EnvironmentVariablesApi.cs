using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Server.Hosting;

namespace CircleActors.Server.Api;

/// <summary>
/// <c>/api/v2/project/{slug}/envvar</c>: a project's environment variables. Values are sealed
/// here, before any command is sent, and never come back out: every answer shows
/// <c>xxxx</c> and the last four characters, as CircleCI does.
/// </summary>
public static class EnvironmentVariablesApi
{
    public sealed record EnvironmentVariableRequest(string? Name, string? Value);

    public sealed record EnvironmentVariableView(string Name, string Value);

    public static void MapProjectEnvironmentVariables(this RouteGroupBuilder api)
    {
        var variables = api.MapGroup("/project/{vcs}/{org}/{repo}/envvar");
        variables.MapGet("", List);
        variables.MapPost("", Create);
        variables.MapGet("/{name}", Get);
        variables.MapDelete("/{name}", Delete);
    }

    private static Task<IResult> List(string vcs, string org, string repo, Entities entities, SecretBox secrets, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, project => Task.FromResult(Results.Json(
            new Page<EnvironmentVariableView>(project.Variables.Select(v => View(project, v.Key, v.Value, secrets)).ToList()))));

    private static Task<IResult> Get(string vcs, string org, string repo, string name, Entities entities, SecretBox secrets, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, project => Task.FromResult(project.Variables.TryGetValue(name, out var value)
            ? Results.Json(View(project, name, value, secrets))
            : ApiErrors.NotFound($"environment variable {name} not found in {project.Slug}")));

    private static Task<IResult> Create(string vcs, string org, string repo, EnvironmentVariableRequest? request, Entities entities, SecretBox secrets, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (request is null) return ApiErrors.BadRequest("a JSON body with name and value is required");
            if (!EnvironmentVariables.IsValidName(request.Name))
                return ApiErrors.BadRequest($"'{request.Name}' is not a valid environment variable name: use letters, digits and underscores, not starting with a digit");
            if (request.Value is null) return ApiErrors.BadRequest("value is required");
            var sealedValue = secrets.Seal(project.Slug, request.Name!, request.Value);
            await Reliably.AskForAsync<Accepted>(entities.Projects, new ProjectCommands.SetEnvironmentVariable(project.Slug, request.Name!, sealedValue, Actor.Admin), ct);
            return Results.Json(new EnvironmentVariableView(request.Name!, EnvironmentVariables.MaskForDisplay(request.Value)), statusCode: StatusCodes.Status201Created);
        });

    private static Task<IResult> Delete(string vcs, string org, string repo, string name, Entities entities, CancellationToken ct) =>
        ProjectsApi.WithProject(vcs, org, repo, entities, ct, async project =>
        {
            if (!project.Variables.ContainsKey(name)) return ApiErrors.NotFound($"environment variable {name} not found in {project.Slug}");
            await Reliably.AskForAsync<Accepted>(entities.Projects, new ProjectCommands.DeleteEnvironmentVariable(project.Slug, name, Actor.Admin), ct);
            return Results.Json(new { message = "Environment variable deleted." });
        });

    /// <summary>Opened only to take its last characters; a value that does not open shows as <c>xxxx</c>.</summary>
    private static EnvironmentVariableView View(ProjectState project, string name, SealedValue value, SecretBox secrets)
    {
        try
        {
            return new(name, EnvironmentVariables.MaskForDisplay(secrets.Open(project.Slug, name, value)));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return new(name, "xxxx");
        }
    }
}
