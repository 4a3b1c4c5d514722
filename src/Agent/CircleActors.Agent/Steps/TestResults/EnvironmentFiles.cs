using System.Text;
using CircleActors.Agent.Executors;

namespace CircleActors.Agent.Steps.TestResults;

/// <summary>
/// Reads text files out of a task's environment with the POSIX shell tools every build image
/// has (sh, find, cat), so it works the same in a container and in a machine workspace.
/// </summary>
internal static class EnvironmentFiles
{
    private static readonly string[] Shell = ["/bin/sh", "-c"];

    /// <summary>
    /// The files named <paramref name="suffix"/> under <paramref name="path"/> (or the path itself
    /// when it is a file), sorted; null when nothing is at the path.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> FindAsync(IExecutionEnvironment environment, string path, string suffix, CancellationToken cancellationToken)
    {
        var listed = new StringBuilder();
        // Paths travel as variables, never spliced into the script, so no name can inject a command.
        var exitCode = await environment.RunAsync(new CommandRequest(Shell,
            """
            if [ -f "$FIND_PATH" ]; then printf '%s\n' "$FIND_PATH";
            elif [ -d "$FIND_PATH" ]; then find "$FIND_PATH" -type f -name "*$FIND_SUFFIX" | sort;
            else exit 3; fi
            """,
            new Dictionary<string, string> { ["FIND_PATH"] = path, ["FIND_SUFFIX"] = suffix }, "/"), text => listed.Append(text), cancellationToken).ConfigureAwait(false);
        if (exitCode == 3) return null;
        if (exitCode != 0) throw new ExecutorException($"could not list {path} in the environment (exit code {exitCode}): {listed.ToString().Trim()}");
        return listed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The text of a file, or why it could not be read (larger than <paramref name="maxBytes"/>, unreadable).</summary>
    public static async Task<(string? Text, string? Problem)> ReadAsync(IExecutionEnvironment environment, string file, long maxBytes, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var exitCode = await environment.RunAsync(new CommandRequest(Shell,
            """[ "$(wc -c < "$READ_FILE")" -le "$READ_MAX" ] || exit 4; cat -- "$READ_FILE" """,
            new Dictionary<string, string> { ["READ_FILE"] = file, ["READ_MAX"] = maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "/"),
            chunk => text.Append(chunk), cancellationToken).ConfigureAwait(false);
        return exitCode switch
        {
            0 => (text.ToString(), null),
            4 => (null, $"larger than {maxBytes / (1024 * 1024)} MiB"),
            _ => (null, $"cannot be read: {text.ToString().Trim()}"),
        };
    }
}
