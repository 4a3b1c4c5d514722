using CircleActors.Actors.Projects;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Steps;

/// <summary>
/// Where a task's project environment variables and checkout credentials come from when it
/// starts. They are held in memory for the task only: never written to disk (but for the
/// moments a checkout or <c>add_ssh_keys</c> needs a key file), never reported.
/// </summary>
public interface IProjectEnvironment
{
    /// <exception cref="ProjectEnvironmentException">The services side refused or did not answer; the task cannot run as configured.</exception>
    Task<ProjectSecrets> LoadAsync(JobTaskSpec task, CancellationToken cancellationToken);
}

/// <summary>A project's variables and checkout credentials, opened for one task.</summary>
public sealed record ProjectSecrets(IReadOnlyDictionary<string, string> Variables, ProjectEnvironmentProtocol.CheckoutCredentials Credentials)
{
    public static readonly ProjectSecrets None = new(new Dictionary<string, string>(), ProjectEnvironmentProtocol.CheckoutCredentials.None);

    // A private key reaches output only line by line; its body lines are long enough never to be ordinary words.
    private const int MinimumMaskedKeyLine = 16;

    /// <summary>Every text to mask in output: variable values, the token, and each line of every private key.</summary>
    public IReadOnlyList<string> MaskedValues()
    {
        var values = Variables.Values.ToList();
        if (Credentials.Https is { } https) values.AddRange([https.Token, https.BasicAuthorization()]);
        var keys = Credentials.SshKeys.Concat(Credentials.CheckoutKey is { } key ? [key] : []);
        foreach (var line in keys.SelectMany(k => k.PrivateKey.Split('\n')).Select(l => l.Trim()))
            if (line.Length >= MinimumMaskedKeyLine && !line.StartsWith("-----", StringComparison.Ordinal)) values.Add(line);
        return values;
    }

    public override string ToString() => $"ProjectSecrets {{ Names = [{string.Join(", ", Variables.Keys)}], Credentials = {Credentials} }}";
}

/// <summary>No project variables or credentials at all (tests and tools that run steps without a server).</summary>
public sealed class NoProjectEnvironment : IProjectEnvironment
{
    public static readonly NoProjectEnvironment Instance = new();

    public Task<ProjectSecrets> LoadAsync(JobTaskSpec task, CancellationToken cancellationToken) => Task.FromResult(ProjectSecrets.None);
}

public sealed class ProjectEnvironmentException(string message, Exception? inner = null) : Exception(message, inner);
