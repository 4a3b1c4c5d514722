using System.Globalization;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Executors.Docker;
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
/// The project's environment variables and checkout credentials are loaded in step 0 and their
/// values masked in all output from then on (<see cref="MaskingReporter"/>).
/// </remarks>
/// <param name="blobs">Where caches, workspaces and artifacts go; without it those steps are skipped.</param>
/// <param name="testResults">Where <c>store_test_results</c> stores and the <c>circleci</c> program's timings come from;
/// without it neither is offered (tests of other steps run without).</param>
public sealed class TaskRunner(IExecutor executor, ISourceCheckout? checkout = null, IBlobTransfer? blobs = null,
    ITestResultsChannel? testResults = null, IProjectEnvironment? projectEnvironment = null, TaskLimits? limits = null)
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
    private readonly IProjectEnvironment projectEnvironment = projectEnvironment ?? NoProjectEnvironment.Instance;
    private readonly TaskLimits limits = limits ?? TaskLimits.Default;

    public async Task<TaskResult> RunAsync(JobTaskSpec task, ITaskReporter reporter, CancellationToken cancellationToken)
    {
        using var overRunTime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overRunTime.CancelAfter(limits.MaxRunTime);
        reporter.StepStarted(0, SpinUpStepName);
        IExecutionEnvironment environment;
        ProjectSecrets projectSecrets;
        IReadOnlyDictionary<string, string> tools;
        try
        {
            projectSecrets = await projectEnvironment.LoadAsync(task, overRunTime.Token).ConfigureAwait(false);
            // From here on every value of the project's variables and credentials is masked before it leaves the runner.
            reporter = new MaskingReporter(reporter, projectSecrets.MaskedValues());
            var spinUp = reporter;
            var preparing = System.Diagnostics.Stopwatch.StartNew();
            environment = await executor.PrepareAsync(ImageAuthExpansion.Expand(task, projectSecrets.Variables), text => spinUp.Output(0, text), overRunTime.Token)
                .ConfigureAwait(false);
            AgentLog.Write(reporter, $"environment prepared in {preparing.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s: {environment.Description}");
            tools = await ToolsAsync(environment, task, reporter, overRunTime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reporter.StepFinished(0, NoExitCode, StepOutcome.Canceled);
            return new TaskResult(TaskOutcome.Canceled, "canceled while the environment was being prepared");
        }
        catch (OperationCanceledException) when (overRunTime.IsCancellationRequested)
        {
            reporter.Output(0, RunTimeExceeded() + "\n");
            reporter.StepFinished(0, NoExitCode, StepOutcome.TimedOut);
            return new TaskResult(TaskOutcome.Failed, RunTimeExceeded());
        }
        catch (Exception ex)
        {
            // Whatever breaks before the first step is the agent's problem, not the build's.
            reporter.Output(0, ex.Message + "\n");
            AgentLog.Write(reporter, $"preparing the environment failed: {ex.Message}");
            reporter.StepFinished(0, NoExitCode, StepOutcome.Failed);
            return new TaskResult(TaskOutcome.InfrastructureFail, ex.Message);
        }
        reporter.StepFinished(0, 0, StepOutcome.Success);

        try
        {
            await using (environment.ConfigureAwait(false))
            {
                var run = new Run(this, task, environment, reporter, tools, projectSecrets, cancellationToken, overRunTime.Token);
                try
                {
                    return await run.StepsAsync().ConfigureAwait(false);
                }
                finally
                {
                    // Background steps end with the job, before its environment goes, even when a step threw.
                    await run.StopBackgroundStepsAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            AgentLog.Write(reporter, $"environment removed: {environment.Description}");
        }
    }

    private string RunTimeExceeded() => $"the job exceeded the maximum run time of {StepDurations.Format(limits.MaxRunTime)} and was stopped";

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

    /// <summary>The state of one task's run: whether a step failed, the shell found for it, its background steps.</summary>
    private sealed class Run(
        TaskRunner runner, JobTaskSpec task, IExecutionEnvironment environment, ITaskReporter reporter, IReadOnlyDictionary<string, string> tools,
        ProjectSecrets projectSecrets, CancellationToken cancellationToken, CancellationToken overRunTime)
    {
        private readonly IReadOnlyDictionary<string, string> projectVariables = projectSecrets.Variables;
        // Variables a step sets for the steps after it (add_ssh_keys points git at the keys it wrote, setup_remote_docker sets DOCKER_HOST).
        private readonly Dictionary<string, string> addedVariables = new(StringComparer.Ordinal);
        private readonly JobDefinition job = task.Job;
        private readonly List<(int Index, StepDeadline Deadline, Task<(int ExitCode, StepOutcome Outcome)> Running)> background = [];
        private bool failed;
        private string? failure;
        // Set when the environment itself broke during a step; no later step can run in it.
        private string? infrastructureFailure;
        private IReadOnlyList<string>? defaultShell;

        public async Task<TaskResult> StepsAsync()
        {
            var ended = await ForegroundStepsAsync().ConfigureAwait(false);
            // A background step that failed on its own before the job's steps were done fails the job.
            await StopBackgroundStepsAsync().ConfigureAwait(false);
            return ended ?? (failed ? new TaskResult(TaskOutcome.Failed, failure) : new TaskResult(TaskOutcome.Success));
        }

        /// <summary>Runs the steps in order; returns the task's result when it ends early (canceled, over time, broken environment).</summary>
        private async Task<TaskResult?> ForegroundStepsAsync()
        {
            for (var i = 0; i < job.Steps.Count; i++)
            {
                var index = i + 1;
                var step = job.Steps[i];
                if (cancellationToken.IsCancellationRequested) return Canceled();
                if (overRunTime.IsCancellationRequested) return RunTimeExceeded();

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

                if (step is RunStep { Background: true } backgroundStep)
                {
                    StartInBackground(index, backgroundStep);
                    continue;
                }

                int exitCode;
                StepOutcome outcome;
                using (var deadline = DeadlineFor(index, step))
                    (exitCode, outcome) = await StepAsync(index, step, deadline).ConfigureAwait(false);
                reporter.StepFinished(index, exitCode, outcome);
                if (outcome == StepOutcome.Canceled) return Canceled();
                if (overRunTime.IsCancellationRequested) return RunTimeExceeded();
                if (outcome is StepOutcome.Failed or StepOutcome.TimedOut) Fail(index, step, exitCode, outcome);
                if (infrastructureFailure is not null) return new TaskResult(TaskOutcome.InfrastructureFail, infrastructureFailure);
            }
            return null;
        }

        private void Fail(int index, Step step, int exitCode, StepOutcome outcome)
        {
            if (failed) return;
            failed = true;
            failure = $"step {index} ({NameOf(step)}) " + (outcome == StepOutcome.TimedOut ? "timed out"
                : "failed" + (exitCode == NoExitCode ? "" : $" with exit code {exitCode}"));
        }

        private static TaskResult Canceled() => new(TaskOutcome.Canceled, "canceled");

        private StepContext Context(int index, Action<string> say) => new(task, index, environment, EnvironmentFor(null), runner.blobs!, say);

        private static (int ExitCode, StepOutcome Outcome) Ended(StepOutcome outcome) => (outcome == StepOutcome.Success ? 0 : NoExitCode, outcome);

        private TaskResult RunTimeExceeded() => new(TaskOutcome.Failed, runner.RunTimeExceeded());

        /// <summary>A run step's <c>no_output_timeout</c>, else the default; any other step gets the default too.</summary>
        private StepDeadline DeadlineFor(int index, Step step)
        {
            var timeout = runner.limits.DefaultNoOutputTimeout;
            if (step is RunStep { NoOutputTimeout: { } text })
            {
                if (StepDurations.TryParse(text, out var configured)) timeout = configured;
                else reporter.Output(index, $"warning: no_output_timeout '{text}' is not a duration such as 10m or 30s; using {StepDurations.Format(timeout)}\n");
            }
            return new StepDeadline(cancellationToken, overRunTime, timeout);
        }

        /// <summary>
        /// Starts a <c>background: true</c> step and returns at once. Its output goes under its own
        /// step; it is reported finished when it ends, or when the job's steps are done and it is stopped.
        /// </summary>
        private void StartInBackground(int index, RunStep step)
        {
            var deadline = DeadlineFor(index, step);
            var running = Task.Run(async () =>
            {
                var (exitCode, outcome) = await StepAsync(index, step, deadline).ConfigureAwait(false);
                reporter.StepFinished(index, exitCode, outcome);
                return (exitCode, outcome);
            });
            background.Add((index, deadline, running));
        }

        /// <summary>Stops the background steps still running (within the 2 s a cancel takes) and waits for their reports.</summary>
        public async Task StopBackgroundStepsAsync()
        {
            foreach (var (_, deadline, _) in background) deadline.Stop();
            foreach (var (index, deadline, running) in background)
            {
                var (exitCode, outcome) = await running.ConfigureAwait(false);
                deadline.Dispose();
                // One that ended on its own before the job did counts like any step.
                if (outcome is StepOutcome.Failed or StepOutcome.TimedOut) Fail(index, job.Steps[index - 1], exitCode, outcome);
            }
            background.Clear();
        }

        private async Task<(int ExitCode, StepOutcome Outcome)> StepAsync(int index, Step step, StepDeadline deadline)
        {
            void Say(string text)
            {
                deadline.Touch();
                reporter.Output(index, text);
            }
            var cancellationToken = deadline.Token;
            try
            {
                switch (step)
                {
                    case CheckoutStep c:
                        await CheckoutAsync(c, Say, cancellationToken).ConfigureAwait(false);
                        return (0, StepOutcome.Success);
                    case RunStep r:
                        var exitCode = await RunAsync(r, Say, cancellationToken).ConfigureAwait(false);
                        // A process killed for a stop may exit before the token is seen:
                        // its exit code is the kill's, not the build's.
                        if (cancellationToken.IsCancellationRequested) return Stopped(deadline, exitCode, Say);
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
                    case AddSshKeysStep add:
                        foreach (var (name, value) in await SshKeySteps.AddAsync(add, projectSecrets.Credentials, environment, Say, cancellationToken).ConfigureAwait(false))
                            addedVariables[name] = value;
                        return (0, StepOutcome.Success);
                    case SetupRemoteDockerStep when environment is not IRemoteDockerHost:
                        Say("setup_remote_docker is for jobs on the docker executor; this environment has no engine to give the job\n");
                        return (NoExitCode, StepOutcome.Skipped);
                    case SetupRemoteDockerStep:
                        foreach (var (name, value) in await ((IRemoteDockerHost)environment).StartRemoteDockerAsync(Say, cancellationToken).ConfigureAwait(false))
                            addedVariables[name] = value;
                        return (0, StepOutcome.Success);
                    case StoreTestResultsStep s:
                        return await StoreTestResults.RunAsync(s, index, task, environment, runner.testResults, projectSecrets.MaskedValues(), Say, cancellationToken).ConfigureAwait(false);
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
                // Whatever a stopped step threw (the engine saw its container go) is the stop.
                return Stopped(deadline, NoExitCode, Say);
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

        /// <summary>How a stopped step ends, said in its output the way CircleCI says it.</summary>
        private (int ExitCode, StepOutcome Outcome) Stopped(StepDeadline deadline, int exitCode, Action<string> say)
        {
            switch (deadline.Reason)
            {
                case StepStop.NoOutput:
                    say($"Too long with no output (exceeded {StepDurations.Format(deadline.NoOutputTimeout)}): context deadline exceeded\n");
                    return (exitCode, StepOutcome.TimedOut);
                case StepStop.RunTimeExceeded:
                    say(runner.RunTimeExceeded() + "\n");
                    return (exitCode, StepOutcome.TimedOut);
                case StepStop.StoppedByRunner:
                    say("stopped: the job's steps are done\n");
                    return (exitCode, StepOutcome.Canceled);
                default:
                    say("canceled\n");
                    return (exitCode, StepOutcome.Canceled);
            }
        }

        private async Task CheckoutAsync(CheckoutStep step, Action<string> say, CancellationToken cancellationToken)
        {
            var target = EnvironmentPath.Combine(job.WorkingDirectory, step.Path ?? ".");
            var host = Directory.CreateTempSubdirectory("circleactors-checkout-");
            try
            {
                await runner.checkout.CheckoutAsync(task, projectSecrets.Credentials, host.FullName, say, cancellationToken).ConfigureAwait(false);
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

        /// <summary>CircleCI's precedence, lowest first: the agent's tools, what earlier steps set, project variables, built-in variables, job, primary container, step.</summary>
        private Dictionary<string, string> EnvironmentFor(RunStep? step)
        {
            var variables = new Dictionary<string, string>(tools, StringComparer.Ordinal);
            foreach (var (name, value) in addedVariables) variables[name] = value;
            foreach (var (name, value) in projectVariables) variables[name] = value;
            foreach (var (name, value) in new Dictionary<string, string>
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
            })
                variables[name] = value;
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
            AddSshKeysStep => SshKeySteps.StepName,
            SetupRemoteDockerStep => "Setup a remote Docker engine",
            StoreTestResultsStep => StoreTestResults.StepName,
            UnsupportedStep u => u.Type,
            _ => step.GetType().Name,
        };
    }
}
