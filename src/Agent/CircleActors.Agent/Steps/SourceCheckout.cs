using CircleActors.Agent.Executors;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Steps;

/// <summary>Fetches a task's source into a directory on the agent's host (the <c>checkout</c> step's first half).</summary>
public interface ISourceCheckout
{
    /// <param name="directory">An existing, empty directory on the host.</param>
    /// <param name="output">Progress as complete lines.</param>
    /// <exception cref="CheckoutException">The source cannot be fetched; the step fails.</exception>
    Task CheckoutAsync(JobTaskSpec task, string directory, Action<string> output, CancellationToken cancellationToken);
}

public sealed class CheckoutException(string message) : Exception(message);

/// <summary>
/// Clones with the <c>git</c> program on the agent's host, then checks out the task's
/// revision (on a branch named like the pipeline's, as CircleCI does, when there is one).
/// </summary>
public sealed class GitCheckout : ISourceCheckout
{
    public async Task CheckoutAsync(JobTaskSpec task, string directory, Action<string> output, CancellationToken cancellationToken)
    {
        output($"Cloning {task.RepositoryUrl} at {task.Revision}\n");
        await GitAsync(["clone", "--quiet", "--no-checkout", "--", task.RepositoryUrl, directory], Environment.CurrentDirectory, output, cancellationToken)
            .ConfigureAwait(false);
        string[] checkout = task.Branch is { Length: > 0 } branch
            ? ["checkout", "--quiet", "--force", "-B", branch, task.Revision]
            : ["checkout", "--quiet", "--force", "--detach", task.Revision];
        await GitAsync(checkout, directory, output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task GitAsync(string[] arguments, string workingDirectory, Action<string> output, CancellationToken cancellationToken)
    {
        // Never wait for a password prompt nobody can answer.
        var environment = new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0", ["GIT_ASKPASS"] = "true" };
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
        if (exitCode != 0) throw new CheckoutException($"git {arguments[0]} failed with exit code {exitCode}");
    }
}
