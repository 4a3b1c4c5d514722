using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using CircleActors.Domain.Jobs;

namespace CircleActors.Agent.Executors.Fake;

/// <param name="PrepareDelay">How long making an environment takes.</param>
/// <param name="PrepareFailure">When set, every prepare fails with this message (an infrastructure failure).</param>
/// <param name="TimeScale">Multiplies every <c>sleep</c>: 0 for benchmarks, 1 for real time.</param>
public sealed record FakeExecutorOptions(TimeSpan PrepareDelay = default, string? PrepareFailure = null, double TimeScale = 1.0);

/// <summary>
/// An executor with no processes and no containers, for scheduler tests and benchmarks. A run
/// step's script is read line by line (blank lines and <c>#</c> comments skipped) and only
/// these commands are understood:
/// <list type="bullet">
/// <item><c>echo TEXT</c> outputs TEXT, with surrounding quotes removed and <c>$NAME</c> /
/// <c>${NAME}</c> replaced from the step's environment (empty when unset).</item>
/// <item><c>sleep SECONDS</c> waits (fractions allowed, times <see cref="FakeExecutorOptions.TimeScale"/>), honouring cancellation.</item>
/// <item><c>exit N</c> ends the script with exit code N.</item>
/// <item><c>true</c> and <c>:</c> do nothing; <c>false</c> ends the script with exit code 1.</item>
/// </list>
/// Anything else prints <c>fake executor: unknown command: ...</c> and ends with exit code 127;
/// a script that reaches its end exits 0. Copies are recorded, not made.
/// </summary>
public sealed partial class FakeExecutor(FakeExecutorOptions? options = null) : IExecutor
{
    private readonly FakeExecutorOptions options = options ?? new FakeExecutorOptions();
    private int active;
    private int prepared;

    /// <summary>Environments prepared and not yet disposed (tests check it returns to 0).</summary>
    public int ActiveEnvironments => Volatile.Read(ref active);

    /// <summary>Environments prepared since this executor was made.</summary>
    public int PreparedEnvironments => Volatile.Read(ref prepared);

    /// <summary>Every command run in any of this executor's environments, in the order started.</summary>
    public ConcurrentQueue<CommandRequest> Commands { get; } = new();

    /// <summary>Every copy asked for: the host directory and the resolved target path.</summary>
    public ConcurrentQueue<(string HostDirectory, string Path)> Copies { get; } = new();

    public async Task<IExecutionEnvironment> PrepareAsync(JobTaskSpec task, Action<string> output, CancellationToken cancellationToken)
    {
        if (options.PrepareDelay > TimeSpan.Zero) await Task.Delay(options.PrepareDelay, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (options.PrepareFailure is { } failure) throw new ExecutorException(failure);
        Interlocked.Increment(ref prepared);
        Interlocked.Increment(ref active);
        output($"Fake environment for {task.JobName} task {task.TaskIndex}\n");
        return new FakeEnvironment(this);
    }

    public Task<int> RemoveLeftoversAsync(string agentName, CancellationToken cancellationToken) => Task.FromResult(0);

    private sealed partial class FakeEnvironment(FakeExecutor executor) : IExecutionEnvironment
    {
        private int disposed;

        public string HomeDirectory => "/home/fake";

        public Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task CopyDirectoryAsync(string hostDirectory, string path, CancellationToken cancellationToken)
        {
            executor.Copies.Enqueue((hostDirectory, ((IExecutionEnvironment)this).ResolvePath(path)));
            return Task.CompletedTask;
        }

        /// <summary>A fake environment holds no files: nothing is ever found to copy out.</summary>
        public Task<bool> CopyOutAsync(string path, string hostPath, CancellationToken cancellationToken) => Task.FromResult(false);

        public async Task<int> RunAsync(CommandRequest command, Action<string> output, CancellationToken cancellationToken)
        {
            executor.Commands.Enqueue(command);
            foreach (var raw in command.Script.Split('\n'))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var space = line.IndexOf(' ');
                var (verb, argument) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..].Trim());
                switch (verb)
                {
                    case "echo":
                        output(Expand(Unquote(argument), command.Environment) + "\n");
                        break;
                    case "sleep" when double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds):
                        var delay = TimeSpan.FromSeconds(seconds * executor.options.TimeScale);
                        if (delay > TimeSpan.Zero) await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                        break;
                    case "exit" when int.TryParse(argument, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code):
                        return code;
                    case "exit" when argument.Length == 0:
                        return 0;
                    case "true" or ":":
                        break;
                    case "false":
                        return 1;
                    default:
                        output($"fake executor: unknown command: {line}\n");
                        return 127;
                }
            }
            return 0;
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) Interlocked.Decrement(ref executor.active);
            return ValueTask.CompletedTask;
        }

        private static string Unquote(string text) =>
            text.Length >= 2 && (text[0] == '"' || text[0] == '\'') && text[^1] == text[0] ? text[1..^1] : text;

        private static string Expand(string text, IReadOnlyDictionary<string, string> environment) =>
            Variable().Replace(text, m => environment.GetValueOrDefault(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, ""));

        [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
        private static partial Regex Variable();
    }
}
