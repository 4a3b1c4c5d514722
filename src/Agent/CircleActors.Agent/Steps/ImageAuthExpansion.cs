using System.Text.RegularExpressions;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Steps;

/// <summary>
/// Expands <c>$NAME</c> and <c>${NAME}</c> in the docker images' <c>auth:</c> from the project's
/// variables, on the agent and in memory only, so the config (and the journal) holds references,
/// never credentials. A reference to a variable the project does not have is left as written.
/// </summary>
internal static partial class ImageAuthExpansion
{
    public static JobTaskSpec Expand(JobTaskSpec task, IReadOnlyDictionary<string, string> variables)
    {
        if (task.Job.Executor is not DockerExecutor docker || docker.Images.All(i => i.Auth is null)) return task;
        var images = docker.Images.Select(image => image.Auth is { } auth
            ? image with { Auth = new DockerAuth(Expand(auth.Username, variables), Expand(auth.Password, variables)) }
            : image).ToList();
        return task with { Job = task.Job with { Executor = new DockerExecutor(images) } };
    }

    private static string Expand(string text, IReadOnlyDictionary<string, string> variables) =>
        Reference().Replace(text, match =>
        {
            var name = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
            return variables.TryGetValue(name, out var value) ? value : match.Value;
        });

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();
}
