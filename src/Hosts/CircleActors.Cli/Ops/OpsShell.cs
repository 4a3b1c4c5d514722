using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using CircleActors.Cli.Commands;

namespace CircleActors.Cli.Ops;

/// <summary>
/// <c>circleactors ops shell</c>: the palettes interactively. A line is an ops command without
/// the <c>ops</c> (<c>node status</c>); Tab completes palettes, commands, options and node ids;
/// Up and Down walk the history, kept across sessions in a file (<see cref="ShellHistory"/>); <c>help [palette]</c> prints help; <c>exit</c> or Ctrl+D leaves.
/// Each line runs as the one-shot command would, with the shell's connection options.
/// </summary>
public static class OpsShell
{
    public static Command Shell()
    {
        var dataDir = ClientCommands.DataDir;
        var historyFile = new Option<string>("--history")
        {
            Description = $"The file that keeps the history across sessions (the last {ShellHistory.Limit} lines; none that may hold a secret)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CIRCLEACTORS_OPS_HISTORY") ?? ShellHistory.DefaultPath,
        };
        var command = new Command("shell", "An interactive shell of the ops palettes, with history, Tab completion and help") { historyFile };
        ClientCommands.AddConnection(command, dataDir);
        command.SetAction(async (parse, ct) =>
        {
            // Every line carries the connection the shell was started with (not the shell's own --history).
            var connection = ConnectionTokens(parse, historyFile);
            using var client = ClientCommands.Client(parse, dataDir);
            return await RunAsync(connection, ShellHistory.Open(parse.GetValue(historyFile)), client, ct);
        });
        return command;
    }

    private static List<string> ConnectionTokens(ParseResult parse, Option<string> historyFile)
    {
        var tokens = parse.Tokens.Where(t => t.Type is TokenType.Option or TokenType.Argument).ToList();
        var connection = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.Option && historyFile.Name == tokens[i].Value)
            {
                i++;
                continue;
            }
            connection.Add(tokens[i].Value);
        }
        return connection;
    }

    private static async Task<int> RunAsync(IReadOnlyList<string> connection, ShellHistory history, ApiClient client, CancellationToken ct)
    {
        Console.WriteLine("CircleActors ops shell: Tab completes, Up/Down for history, 'help [palette]', 'exit' to leave.");
        while (!ct.IsCancellationRequested)
        {
            var line = await ReadLineAsync("ops> ", history.Lines, client, ct);
            if (line is null || line.Trim() is "exit" or "quit") return 0;
            if (line.Trim().Length == 0) continue;
            history.Add(line);
            var words = CommandLineParser.SplitCommandLine(line).ToList();
            if (words[0] == "help") words = [.. words.Skip(1), "--help"];
            var ops = Palettes();
            var args = words.Contains("--help") ? words : [.. words, .. connection];
            try
            {
                await ops.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, ct);
            }
            catch (Exception ex) when (ex is ApiException or ArgumentException or InvalidOperationException or HttpRequestException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
            }
        }
        return 0;
    }

    /// <summary>A line from the keyboard with Tab completion and history; null at end of input (Ctrl+D on an empty line).</summary>
    private static async Task<string?> ReadLineAsync(string prompt, IReadOnlyList<string> history, ApiClient client, CancellationToken ct)
    {
        if (Console.IsInputRedirected)
        {
            Console.Write(prompt);
            return Console.ReadLine();
        }
        var line = new StringBuilder();
        var back = history.Count;
        Console.Write(prompt);
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    return line.ToString();
                case ConsoleKey.Backspace when line.Length > 0:
                    line.Length--;
                    Console.Write("\b \b");
                    break;
                case ConsoleKey.UpArrow when back > 0:
                    Replace(line, history[--back]);
                    break;
                case ConsoleKey.DownArrow when back < history.Count:
                    Replace(line, ++back < history.Count ? history[back] : "");
                    break;
                case ConsoleKey.Tab:
                    await CompleteAsync(prompt, line, client, ct);
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && line.Length == 0:
                    Console.WriteLine();
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Append(key.KeyChar);
                        Console.Write(key.KeyChar);
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// The palettes under a root of their own, which gives every command <c>--help</c>; a fresh
    /// tree for every line, so nothing parsed lingers between lines.
    /// </summary>
    private static RootCommand Palettes()
    {
        var root = new RootCommand("The ops palettes: a line is an ops command without 'ops', e.g. node status");
        foreach (var palette in OpsCommands.Ops().Subcommands.ToList()) root.Subcommands.Add(palette);
        foreach (var command in root.Subcommands) WithHelp(command);
        return root;
    }

    private static void WithHelp(Command command)
    {
        if (!command.Options.OfType<System.CommandLine.Help.HelpOption>().Any()) command.Options.Add(new System.CommandLine.Help.HelpOption());
        foreach (var sub in command.Subcommands) WithHelp(sub);
    }

    private static void Replace(StringBuilder line, string text)
    {
        Console.Write(new string('\b', line.Length) + new string(' ', line.Length) + new string('\b', line.Length) + text);
        line.Clear().Append(text);
    }

    /// <summary>
    /// Completes the word under the cursor: palettes, commands and options from the command tree,
    /// node ids from the server after <c>node status|drain|eligibility</c>. One candidate fills
    /// in; several are listed and their common start filled in.
    /// </summary>
    private static async Task CompleteAsync(string prompt, StringBuilder line, ApiClient client, CancellationToken ct)
    {
        var text = line.ToString();
        var word = text.Length == 0 || text.EndsWith(' ') ? "" : text.Split(' ').Last();
        var candidates = Palettes().Parse(text).GetCompletions(text.Length).Select(c => c.Label)
            .Concat(await NodeIdsAsync(text, client, ct))
            // Options only once a '-' is typed: a bare Tab lists what comes next, not every flag.
            .Where(c => c.StartsWith(word, StringComparison.Ordinal) && (char.IsLetterOrDigit(c[0]) || word.StartsWith('-')))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        if (candidates.Count == 0) return;
        var common = candidates.Aggregate((a, b) => a[..Enumerable.Range(0, Math.Min(a.Length, b.Length)).TakeWhile(i => a[i] == b[i]).Count()]);
        if (candidates.Count > 1)
        {
            Console.WriteLine();
            Console.WriteLine(string.Join("  ", candidates));
            Console.Write(prompt + text);
        }
        var addition = common[word.Length..] + (candidates.Count == 1 ? " " : "");
        line.Append(addition);
        Console.Write(addition);
    }

    private static async Task<IEnumerable<string>> NodeIdsAsync(string text, ApiClient client, CancellationToken ct)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || words[0] != "node" || words[1] is not ("status" or "drain" or "eligibility")) return [];
        try
        {
            var nodes = await client.SendAsync(HttpMethod.Get, "/api/v2/admin/nodes", ct: ct);
            return nodes["items"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()).ToList();
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            return [];
        }
    }
}
