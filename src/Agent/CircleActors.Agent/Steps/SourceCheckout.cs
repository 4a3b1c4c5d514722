using System.Text.RegularExpressions;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;
using CircleActors.Agent.Executors;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Steps;

/// <summary>Fetches a task's source into a directory on the agent's host (the <c>checkout</c> step's first half).</summary>
public interface ISourceCheckout
{
    /// <param name="credentials">The project's HTTPS token and checkout key, used as the repository's URL calls for.</param>
    /// <param name="directory">An existing, empty directory on the host.</param>
    /// <param name="output">Progress as complete lines.</param>
    /// <exception cref="CheckoutException">The source cannot be fetched; the step fails.</exception>
    Task CheckoutAsync(JobTaskSpec task, ProjectEnvironmentProtocol.CheckoutCredentials credentials, string directory, Action<string> output,
        CancellationToken cancellationToken);
}

public sealed class CheckoutException(string message) : Exception(message);

/// <summary>
/// Clones with the <c>git</c> program on the agent's host, then checks out the task's
/// revision (on a branch named like the pipeline's, as CircleCI does, when there is one).
/// Credentials reach git only through its environment for this one run (<see cref="GitAccess"/>),
/// so the clone's <c>.git/config</c> holds the plain repository URL.
/// </summary>
public sealed class GitCheckout : ISourceCheckout
{
    public async Task CheckoutAsync(JobTaskSpec task, ProjectEnvironmentProtocol.CheckoutCredentials credentials, string directory, Action<string> output,
        CancellationToken cancellationToken)
    {
        output($"Cloning {task.RepositoryUrl} at {task.Revision}\n");
        using var access = GitAccess.For(task, credentials, output);
        await GitAsync(["clone", "--quiet", "--no-checkout", "--", task.RepositoryUrl, directory], access, Environment.CurrentDirectory, output, cancellationToken)
            .ConfigureAwait(false);
        string[] checkout = task.Branch is { Length: > 0 } branch
            ? ["checkout", "--quiet", "--force", "-B", branch, task.Revision]
            : ["checkout", "--quiet", "--force", "--detach", task.Revision];
        await GitAsync(checkout, access, directory, output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task GitAsync(string[] arguments, GitAccess access, string workingDirectory, Action<string> output, CancellationToken cancellationToken)
    {
        // Never wait for a password prompt nobody can answer.
        var environment = new Dictionary<string, string?>(access.Environment) { ["GIT_TERMINAL_PROMPT"] = "0", ["GIT_ASKPASS"] = "true" };
        int exitCode;
        try
        {
            exitCode = await HostProcess.RunAsync(["git", "-c", "advice.detachedHead=false", .. arguments], environment,
                inheritEnvironment: true, workingDirectory, output, cancellationToken).ConfigureAwait(false);
        }
        catch (ExecutorException ex)
        {
            throw new CheckoutException($"git is not available on this agent: {ex.Message}");
        }
        if (exitCode != 0) throw new CheckoutException($"git {arguments[0]} failed with exit code {exitCode}" + access.HintOnFailure);
    }
}

/// <summary>
/// What one checkout's git runs authenticate with. HTTPS: the token as a Basic <c>Authorization</c>
/// header scoped to the repository's origin, given as command-line-scope config through
/// <c>GIT_CONFIG_*</c> variables (not argv, which other users can read; not the URL, which git
/// stores). SSH: the checkout key in a temporary file of mode 600 through <c>GIT_SSH_COMMAND</c>,
/// host keys accepted when new into a per-checkout known_hosts (hosts pinned in the agent's
/// <c>/etc/ssh/ssh_known_hosts</c> must still match). The files go when it is disposed.
/// </summary>
internal sealed partial class GitAccess : IDisposable
{
    private readonly DirectoryInfo? files;

    private GitAccess(IReadOnlyDictionary<string, string?> environment, DirectoryInfo? files, string hintOnFailure)
    {
        Environment = environment;
        this.files = files;
        HintOnFailure = hintOnFailure;
    }

    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>Appended to a failure's message: what the project may lack, or empty.</summary>
    public string HintOnFailure { get; }

    public static GitAccess For(JobTaskSpec task, ProjectEnvironmentProtocol.CheckoutCredentials credentials, Action<string> output)
    {
        var url = task.RepositoryUrl;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
        {
            if (credentials.Https is not { } https)
                return new(new Dictionary<string, string?>(), null,
                    $"; if the repository needs authentication, set the project's HTTPS checkout token (PUT /api/v2/project/{task.Project}/checkout-token)");
            output("Using the project's HTTPS checkout token\n");
            return new(new Dictionary<string, string?>
            {
                ["GIT_CONFIG_COUNT"] = "1",
                ["GIT_CONFIG_KEY_0"] = $"http.{uri.Scheme}://{uri.Authority}/.extraHeader",
                ["GIT_CONFIG_VALUE_0"] = "Authorization: " + https.BasicAuthorization(),
            }, null, "");
        }
        if (!IsSsh(url, uri)) return new(new Dictionary<string, string?>(), null, "");

        var files = Directory.CreateTempSubdirectory("circleactors-git-ssh-");
        var knownHosts = Path.Combine(files.FullName, "known_hosts");
        var command = $"ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={Quote(knownHosts)}";
        var hint = "";
        if (credentials.CheckoutKey is { } key)
        {
            output($"Using the project's checkout key {key.Md5Fingerprint}\n");
            var keyFile = Path.Combine(files.FullName, "checkout_key");
            // OpenSSH refuses a key file others can read, and one whose last line has no newline.
            OwnerOnlyFile.CreateNew(keyFile, key.PrivateKey.TrimEnd() + "\n");
            command += $" -o IdentitiesOnly=yes -i {Quote(keyFile)}";
        }
        else
        {
            hint = $"; the project has no checkout key: add one (POST /api/v2/project/{task.Project}/checkout-key) and give its public key read access to the repository";
        }
        return new(new Dictionary<string, string?> { ["GIT_SSH_COMMAND"] = command }, files, hint);
    }

    private static bool IsSsh(string url, Uri? uri) =>
        uri is not null ? uri.Scheme is "ssh" or "git+ssh" : ScpLike().IsMatch(url);

    /// <summary>Single-quoted for the shell git runs <c>GIT_SSH_COMMAND</c> with.</summary>
    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";

    public void Dispose()
    {
        try { files?.Delete(recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* a temp directory; the host's cleaner takes it */ }
    }

    // git's scp-like syntax: user@host:path, with no scheme.
    [GeneratedRegex(@"^[^/@:\s]+@[^/:\s]+:", RegexOptions.CultureInvariant)]
    private static partial Regex ScpLike();
}
