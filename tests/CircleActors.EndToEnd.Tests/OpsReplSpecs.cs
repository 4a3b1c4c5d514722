using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary><c>circleactors ops shell</c> on a pseudo-terminal (tmux) against a real server and agent: completion, help, history.</summary>
public sealed class OpsReplSpecs(ITestOutputHelper output)
{
    [Fact]
    public async Task Tab_completes_palettes_commands_and_node_ids_help_explains_a_palette_and_up_recalls_lines_of_the_previous_session()
    {
        var historyFile = Path.Combine(Directory.CreateTempSubdirectory("ca-e2e-history-").FullName, "ops_history");
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite);
        await Poll.UntilAsync(async () =>
        {
            using var response = await installation.Http.GetAsync($"/api/v2/admin/nodes/{installation.AgentName}");
            return response.IsSuccessStatusCode ? "" : null;
        }, "the agent never registered");
        string[] shellCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "circleactors.dll"), "ops", "shell",
            "--server", installation.BaseUrl, "--data-dir", installation.DataDirectory, "--history", historyFile];
        using var shell = new TmuxSession(shellCommand);
        // tmux trims the space after each prompt and completion from the screen it gives.
        await shell.WaitForAsync(s => s.Contains("ops>"), "the shell never prompted");

        shell.Send("no", "Tab");
        await shell.WaitForAsync(s => s.Contains("ops> node"), "Tab did not complete the palette");
        shell.Send("st", "Tab");
        await shell.WaitForAsync(s => s.Contains("ops> node status"), "Tab did not complete the command");
        shell.Send("e2e", "Tab");
        await shell.WaitForAsync(s => s.Contains($"ops> node status {installation.AgentName}"), "Tab did not complete the node id");
        shell.Send("Enter");
        await shell.WaitForAsync(s => s.Contains("Eligibility          = eligible"), "the completed command did not run");

        shell.Send("queue ", "Tab");
        await shell.WaitForAsync(s => s.Contains("cancel  depth  list"), "Tab did not list the queue commands");
        shell.Send("dep", "Tab", "Enter");
        await shell.WaitForAsync(s => s.Contains("ops> queue depth\n0"), "queue depth did not run");

        shell.Send("help node", "Enter");
        var help = await shell.WaitForAsync(s => s.Contains("Commands:"), "help printed nothing");
        Assert.Contains("drain <id>", help);
        Assert.Contains("eligibility <id>", help);
        Assert.DoesNotContain("Unrecognized", help);

        shell.Send("Up");
        var recalled = await shell.WaitForAsync(s => s.TrimEnd().EndsWith("ops> help node"), "Up did not recall the last line");
        Assert.EndsWith("ops> help node", recalled.TrimEnd());

        // A line carrying a token runs but is not written down; the next session recalls the lines before it.
        const string token = "0123456789abcdef0123456789abcdef0123456789abcdef";
        shell.Send("Enter");
        shell.Send($"node status --token {token}", "Enter");
        await shell.WaitForAsync(s => s.Contains("error:"), "the line with a token did not run");
        shell.Send("exit", "Enter");
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(historyFile) && File.ReadAllText(historyFile).Contains("help node") ? "" : null),
            "the history file was never written");
        shell.Dispose();

        using var next = new TmuxSession(shellCommand);
        await next.WaitForAsync(s => s.Contains("ops>"), "the second shell never prompted");
        next.Send("Up");
        await next.WaitForAsync(s => s.TrimEnd().EndsWith("ops> help node"), "Up did not recall the previous session's last line");
        next.Send("Up");
        await next.WaitForAsync(s => s.TrimEnd().EndsWith("ops> queue depth"), "Up did not walk back through the previous session");
        var lines = File.ReadAllLines(historyFile);
        Assert.Equal(["node status " + installation.AgentName, "queue depth", "help node"], lines);
        Assert.DoesNotContain(lines, l => l.Contains(token));
    }
}
