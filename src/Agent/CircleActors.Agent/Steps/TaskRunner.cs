using System.Globalization;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Steps.Artifacts;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Agent.Steps.Caches;
using CircleActors.Agent.Steps.Workspaces;
using CircleActors.Agent.Steps.TestResults;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using ConfigDockerExecutor = CircleActors.Domain.Config.DockerExecutor;

namespace CircleActors.Agent.Steps;

/// <summary>
/// Runs one task end to end: prepares its environment (reported as step 0, "Spin up
/// environment"), runs the job's steps as steps 1..n, and always destroys the environment.
/// Every configured step is reported, the skipped ones too, so step n is always the job's
/// n-th step; after a cancellation no further step is reported.
/// </summary>
/// <remarks>
/// Stateless between tasks: one runner may run many tasks at once, each call with its own reporter.
/// Never throws for a build's or an environment's failure; those are the returned
/// <see cref="TaskResult"/>. Cancelling the token stops the current step within 2 s.
/// </remarks>
/// <param name="blobs">Where caches, workspaces and artifacts go; without it those steps are skipped.</param>
/// <param name="testResults">Where <c>store_test_results</c> stores and the <c>circleci</c> program's timings come from;
/// without it neither is offered (tests of other steps run without).</param>
public sealed class TaskRunner(IExecutor executor, ISourceCheckout? checkout = null, IBlobTransfer? blobs = null, ITestResultsChannel? testResults = null)
{
    public const string SpinUpStepName = "Spin up environment";
    public const string CheckoutStepName = "Checkout code";

    /// <summary>The exit code reported for a step that ran no process (skipped, canceled, or failed before starting one).</summary>
    public const int NoExitCode = -1;

    private static readonly string[] DefaultShell = ["/bin/bash", "-eo", "pipefail"];
    private static readonly string[] FallbackShell = ["/bin/sh", "-e"];

    private readonly ISourceCheckout checkout = checkout ?? new GitCheckout();
    private readonly IBlobTransfer? blobs = blobs;
    private readonly ITestResultsChannel? testResults = testResults;

    public async Task<TaskResult> RunAsync(JobTaskSpec task, ITaskReporter reporter, CancellationToken cancellationToken)
    {
        reporter.StepStarted(0, SpinUpStepName);
        IExecutionEnvironment environment;
        IReadOnlyDictionary<string, string> tools;
        try
        {
            environment = await executor.PrepareAsync(task, text => reporter.Output(0, text), cancellationToken).ConfigureAwait(false);
            tools = await ToolsAsync(environment, task, reporter, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reporter.StepFinished(0, NoExitCode, StepOutcome.Canceled);
            return new TaskResult(TaskOutcome.Canceled, "canceled while the environment was being prepared");
        }
        catch (Exception ex)
        {
            // Whatever breaks before the first step is the agent's problem, not the build's.
            reporter.Output(0, ex.Message + "\n");
            reporter.StepFinished(0, NoExitCode, StepOutcome.Failed);
            return new TaskResult(TaskOutcome.InfrastructureFail, ex.Message);
        }

        await using (environment.ConfigureAwait(false))
        {
            reporter.StepFinished(0, 0, StepOutcome.Success);
            var run = new Run(this, task, environment, reporter, tools);
            return await run.StepsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The <c>circleci</c> program and its timings, part of spinning up; a failure takes the environment down with it.</summary>
    private async Task<IReadOnlyDictionary<string, string>> ToolsAsync(IExecutionEnvironment environment, JobTaskSpec task, ITaskReporter reporter,
        CancellationToken cancellationToken)
    {
        if (testResults is null) return new Dictionary<string, string>();
        try
        {
            return await TestSplittingTools.InstallAsync(environment, task, testResults, text => reporter.Output(0, text), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await environment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The state of one task's run: whether a step failed, and the shell found for it.</summary>
    private sealed class Run(TaskRunner runner, JobTaskSpec task, IExecutionEnvironment environment, ITaskReporter reporter,
        IReadOnlyDictionary<string, string> tools)
    {
        private readonly JobDefinition job = task.Job;
        private bool failed;
        private string? failure;
        // Set when the environment itself broke during a step; no later step can run in it.
        private string? infrastructureFailure;
        private IReadOnlyList<string>? defaultShell;

        public async Task<TaskResult> StepsAsync(CancellationToken cancellationToken)
        {
            for (var i = 0; i < job.Steps.Count; i++)
            {
                var index = i + 1;
                var step = job.Steps[i];
                if (cancellationToken.IsCancellationRequested) return Canceled();

                reporter.StepStarted(index, NameOf(step));
                var when = step switch { RunStep r => r.When, SaveCacheStep s => s.When, _ => StepWhen.OnSuccess };
                var due = when switch
                {
                    StepWhen.OnSuccess => !failed,
                    StepWhen.OnFail => failed,
                    _ => true,
                };
                if (!due)
                {
                    reporter.StepFinished(index, NoExitCode, StepOutcome.Skipped);
                    continue;
                }

                var (exitCode, outcome) = await StepAsync(index, step, cancellationToken).ConfigureAwait(false);
                reporter.StepFinished(index, exitCode, outcome);
                if (outcome == StepOutcome.Canceled) return Canceled();
                if (outcome == StepOutcome.Failed && !failed)
                {
                    failed = true;
                    failure ??= $"step {index} ({NameOf(step)}) failed" + (exitCode == NoExitCode ? "" : $" with exit code {exitCode}");
                }
                if (infrastructureFailure is not null) return new TaskResult(TaskOutcome.InfrastructureFail, infrastructureFailure);
            }
            return failed ? new TaskResult(TaskOutcome.Failed, failure) : new TaskResult(TaskOutcome.Success);
        }

        private static TaskResult Canceled() => new(TaskOutcome.Canceled, "canceled");

        private StepContext Context(int index, Action<string> say) => new(task, index, environment, EnvironmentFor(null), runner.blobs!, say);

        private static (int ExitCode, StepOutcome Outcome) Ended(StepOutcome outcome) => (outcome == StepOutcome.Success ? 0 : NoExitCode, outcome);

        private async Task<(int ExitCode, StepOutcome Outcome)> StepAsync(int index, Step step, CancellationToken cancellationToken)
        {
            void Say(string text) => reporter.Output(index, text);
            try
            {
                switch (step)
                {
                    case CheckoutStep c:
                        await CheckoutAsync(c, Say, cancellationToken).ConfigureAwait(false);
                        return (0, StepOutcome.Success);
                    case RunStep { Background: true }:
                        Say("background run steps are not supported yet; the step is skipped\n");
                        return (NoExitCode, StepOutcome.Skipped);
                    case RunStep r:
                        var exitCode = await RunAsync(r, Say, cancellationToken).ConfigureAwait(false);
                        // A process killed by the cancellation may exit before the token is seen:
                        // its exit code is the kill's, not the build's.
                        if (cancellationToken.IsCancellationRequested) return (exitCode, StepOutcome.Canceled);
                        return (exitCode, exitCode == 0 ? StepOutcome.Success : StepOutcome.Failed);
                    case SaveCacheStep or RestoreCacheStep or PersistToWorkspaceStep or AttachWorkspaceStep or StoreArtifactsStep when runner.blobs is null:
                        Say("this agent has no blob store to talk to; the step is skipped\n");
                        return (NoExitCode, StepOutcome.Skipped);
                    case SaveCacheStep save:
                        return Ended(await CacheSteps.SaveAsync(save, Context(index, Say), cancellationToken).ConfigureAwait(false));
                    case RestoreCacheStep restore:
                        return Ended(await CacheSteps.RestoreAsync(restore, Context(index, Say), cancellationToken).ConfigureAwait(false));
                    case PersistToWorkspaceStep persist:
                        return Ended(await WorkspaceSteps.PersistAsync(persist, Context(index, Say), cancellationToken).ConfigureAwait(false));
                    case AttachWorkspaceStep attach:
                        return Ended(await WorkspaceSteps.AttachAsync(attach, Context(index, Say), cancellationToken).ConfigureAwait(false));
                    case StoreArtifactsStep artifacts:
                        return Ended(await ArtifactSteps.StoreAsync(artifacts, Context(index, Say), cancellationToken).ConfigureAwait(false));
                    case StoreTestResultsStep s:
                        return await StoreTestResults.RunAsync(s, index, task, environment, runner.testResults, Say, cancellationToken).ConfigureAwait(false);
                    case UnsupportedStep u:
                        Say($"step type {u.Type} is not supported yet\n");
                        return (NoExitCode, StepOutcome.Skipped);
                    default:
                        Say($"step type {step.GetType().Name} is not supported yet\n");
                        return (NoExitCode, StepOutcome.Skipped);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Whatever a canceled step threw (the engine saw its container go) is the cancellation.
                Say("canceled\n");
                return (NoExitCode, StepOutcome.Canceled);
            }
            catch (StepFailedException ex)
            {
                Say($"Error: {ex.Message}\n");
                return (NoExitCode, StepOutcome.Failed);
            }
            catch (CheckoutException ex)
            {
                Say(ex.Message + "\n");
                return (NoExitCode, StepOutcome.Failed);
            }
            catch (ExecutorException ex)
            {
                Say(ex.Message + "\n");
                infrastructureFailure = ex.Message;
                return (NoExitCode, StepOutcome.Failed);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A fault of the agent itself; the build is not to blame, so it is an infrastructure failure.
                Say($"agent error: {ex.Message}\n");
                infrastructureFailure = $"agent error in step {index}: {ex.Message}";
                return (NoExitCode, StepOutcome.Failed);
            }
        }

        private async Task CheckoutAsync(CheckoutStep step, Action<string> say, CancellationToken cancellationToken)
        {
            var target = EnvironmentPath.Combine(job.WorkingDirectory, step.Path ?? ".");
            var host = Directory.CreateTempSubdirectory("circleactors-checkout-");
            try
            {
                await runner.checkout.CheckoutAsync(task, host.FullName, say, cancellationToken).ConfigureAwait(false);
                var resolved = environment.ResolvePath(target);
                say($"Copying the checkout into {resolved}\n");
                await environment.CopyDirectoryAsync(host.FullName, resolved, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                try { host.Delete(recursive: true); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { say($"warning: could not remove {host.FullName}: {ex.Message}\n"); }
            }
        }

        private async Task<int> RunAsync(RunStep step, Action<string> say, CancellationToken cancellationToken)
        {
            var shell = await ShellAsync(step, say, cancellationToken).ConfigureAwait(false);
            var workingDirectory = EnvironmentPath.Combine(job.WorkingDirectory, step.WorkingDirectory ?? ".");
            var command = new CommandRequest(shell, step.Command, EnvironmentFor(step), workingDirectory);
            return await environment.RunAsync(command, say, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// A <c>shell:</c> on the step or job is used as written; otherwise bash, or /bin/sh when
        /// the image has no bash (as CircleCI does), said in the step's output so a surprise in
        /// shell syntax is explained.
        /// </summary>
        private async Task<IReadOnlyList<string>> ShellAsync(RunStep step, Action<string> say, CancellationToken cancellationToken)
        {
            if ((step.Shell ?? job.Shell) is { } configured && !string.IsNullOrWhiteSpace(configured))
                return configured.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            defaultShell ??= await environment.FileExistsAsync(DefaultShell[0], cancellationToken).ConfigureAwait(false) ? DefaultShell : FallbackShell;
            if (defaultShell == FallbackShell)
                say($"{DefaultShell[0]} is not in this environment: running with {string.Join(' ', FallbackShell)} instead\n");
            return defaultShell;
        }

        /// <summary>CircleCI's precedence, lowest first: the agent's tools, built-in variables, job, primary container, step.</summary>
        private Dictionary<string, string> EnvironmentFor(RunStep? step)
        {
            var variables = new Dictionary<string, string>(tools, StringComparer.Ordinal)
            {
                ["CI"] = "true",
                ["CIRCLECI"] = "true",
                ["CIRCLE_SHA1"] = task.Revision,
                ["CIRCLE_BUILD_NUM"] = task.JobNumber.ToString(CultureInfo.InvariantCulture),
                ["CIRCLE_JOB"] = task.JobName,
                ["CIRCLE_NODE_INDEX"] = task.TaskIndex.ToString(CultureInfo.InvariantCulture),
                ["CIRCLE_NODE_TOTAL"] = task.TaskCount.ToString(CultureInfo.InvariantCulture),
                ["CIRCLE_PROJECT_USERNAME"] = task.Project.Organization,
                ["CIRCLE_PROJECT_REPONAME"] = task.Project.Repository,
                ["CIRCLE_REPOSITORY_URL"] = task.RepositoryUrl,
                ["CIRCLE_WORKFLOW_ID"] = task.WorkflowId.ToString(),
                ["CIRCLE_PIPELINE_ID"] = task.PipelineId.ToString(),
                // CircleCI sets it as configured, "~" unexpanded; scripts written for it expect that.
                ["CIRCLE_WORKING_DIRECTORY"] = job.WorkingDirectory,
            };
            // CircleCI leaves these unset rather than empty when the pipeline has no branch or tag.
            if (task.Branch is { } branch) variables["CIRCLE_BRANCH"] = branch;
            if (task.Tag is { } tag) variables["CIRCLE_TAG"] = tag;

            var primary = job.Executor is ConfigDockerExecutor { Images.Count: > 0 } docker ? docker.Images[0].Environment : null;
            foreach (var layer in new[] { job.Environment, primary, step?.Environment })
                foreach (var (name, value) in layer ?? new Dictionary<string, string>())
                    variables[name] = value;
            return variables;
        }

        private static string NameOf(Step step) => step switch
        {
            CheckoutStep => CheckoutStepName,
            SaveCacheStep save => save.Name ?? "Saving cache",
            RestoreCacheStep restore => restore.Name ?? "Restoring cache",
            PersistToWorkspaceStep => "Persisting to workspace",
            AttachWorkspaceStep => "Attaching workspace",
            StoreArtifactsStep => "Uploading artifacts",
            RunStep r => r.DisplayName,
            StoreTestResultsStep => StoreTestResults.StepName,
            UnsupportedStep u => u.Type,
            _ => step.GetType().Name,
        };
    }
}
