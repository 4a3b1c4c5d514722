using System.CommandLine;
using System.Text.Json.Nodes;

namespace CircleActors.Cli.Commands;

/// <summary>Commands that talk to a running server: project add, pipeline trigger, logs.</summary>
public static class ClientCommands
{
    private static readonly Option<string> Server = new("--server")
    {
        Description = "The server's address: http://host:port, or https://host:port (see --ca-cert)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CIRCLEACTORS_SERVER") ?? "http://127.0.0.1:7000",
    };

    private static readonly Option<string?> Token = new("--token") { Description = "API token (default: CIRCLE_TOKEN, or DATA_DIR/admin.token)" };

    private static readonly Option<string?> CaCert = new("--ca-cert")
    {
        Description = "Trust this CA certificate (PEM) for an https:// server, besides the system's (default: CIRCLEACTORS_CA_CERT)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CIRCLEACTORS_CA_CERT"),
    };

    internal static Option<string> DataDir => ServerCommands.DataDirOption();

    internal static ApiClient Client(ParseResult parse, Option<string> dataDir) =>
        new(new Uri(parse.GetValue(Server)!), ApiClient.ResolveToken(parse.GetValue(Token), parse.GetValue(dataDir)!), ApiClient.LoadTrustedRoot(parse.GetValue(CaCert)));

    internal static void AddConnection(Command command, Option<string> dataDir)
    {
        command.Options.Add(Server);
        command.Options.Add(Token);
        command.Options.Add(CaCert);
        command.Options.Add(dataDir);
    }

    public static Command Project()
    {
        var slug = new Argument<string>("slug") { Description = "gh/org/repo" };
        var repo = new Option<string>("--repo-url") { Description = "The repository: an https/ssh URL, a file:// URL or a local path", Required = true };
        var branch = new Option<string>("--default-branch") { DefaultValueFactory = _ => "main" };
        var secret = new Option<string?>("--webhook-secret") { Description = "The secret GitHub signs deliveries with" };
        var dataDir = DataDir;
        var add = new Command("add", "Add a project") { slug, repo, branch, secret };
        AddConnection(add, dataDir);
        add.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, dataDir);
            var repoUrl = parse.GetValue(repo)!;
            if (Directory.Exists(repoUrl)) repoUrl = Path.GetFullPath(repoUrl);
            var project = await client.SendAsync(HttpMethod.Post, "/api/v2/project", new
            {
                Slug = parse.GetValue(slug), RepoUrl = repoUrl, DefaultBranch = parse.GetValue(branch), WebhookSecret = parse.GetValue(secret),
            }, ct);
            Console.WriteLine($"project {project["slug"]} added ({project["vcs_info"]?["vcs_url"]})");
        });
        return new Command("project", "Manage projects") { add };
    }

    public static Command Pipeline()
    {
        var slug = new Argument<string>("slug");
        var branch = new Option<string?>("--branch");
        var tag = new Option<string?>("--tag");
        var wait = new Option<bool>("--wait") { Description = "Wait until every workflow has ended; exit 1 unless all succeeded" };
        var dataDir = DataDir;
        var trigger = new Command("trigger", "Trigger a pipeline") { slug, branch, tag, wait };
        AddConnection(trigger, dataDir);
        trigger.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, dataDir);
            var created = await client.SendAsync(HttpMethod.Post, $"/api/v2/project/{parse.GetValue(slug)}/pipeline",
                new { Branch = parse.GetValue(branch), Tag = parse.GetValue(tag) }, ct);
            var id = created["id"]!.GetValue<string>();
            Console.WriteLine($"pipeline {created["number"]} ({id}) {created["state"]}");
            if (!parse.GetValue(wait)) return 0;
            return await WaitForPipelineAsync(client, id, ct) ? 0 : 1;
        });
        return new Command("pipeline", "Pipelines") { trigger };
    }

    /// <summary>Polls until the pipeline errored or all its workflows ended; prints each workflow's end.</summary>
    public static async Task<bool> WaitForPipelineAsync(ApiClient client, string pipelineId, CancellationToken ct)
    {
        while (true)
        {
            var pipeline = await client.SendAsync(HttpMethod.Get, $"/api/v2/pipeline/{pipelineId}", ct: ct);
            if (pipeline["state"]?.GetValue<string>() == "errored")
            {
                foreach (var error in pipeline["errors"]!.AsArray()) Console.Error.WriteLine($"error: {error!["message"]}");
                return false;
            }
            var workflows = (await client.SendAsync(HttpMethod.Get, $"/api/v2/pipeline/{pipelineId}/workflow", ct: ct))["items"]!.AsArray();
            var ended = new[] { "success", "failed", "error", "canceled", "not_run" };
            if (pipeline["state"]?.GetValue<string>() == "created" && workflows.Count > 0 &&
                workflows.All(w => ended.Contains(w!["status"]!.GetValue<string>())))
            {
                foreach (var workflow in workflows) Console.WriteLine($"workflow {workflow!["name"]}: {workflow["status"]}");
                return workflows.All(w => w!["status"]!.GetValue<string>() == "success");
            }
            await Task.Delay(500, ct);
        }
    }

    public static Command Workflow()
    {
        var workflowId = new Argument<string>("workflow-id");
        var approvalId = new Argument<string>("approval-request-id") { Description = "The approval job's id (from `GET /api/v2/workflow/{id}/job`)" };
        var approve = Control("approve", "Approve a held approval job", [workflowId, approvalId],
            parse => $"/api/v2/workflow/{parse.GetValue(workflowId)}/approve/{parse.GetValue(approvalId)}");
        var cancelId = new Argument<string>("workflow-id");
        var cancel = Control("cancel", "Cancel a workflow", [cancelId], parse => $"/api/v2/workflow/{parse.GetValue(cancelId)}/cancel");
        return new Command("workflow", "Workflow controls") { approve, cancel };
    }

    public static Command Job()
    {
        var slug = new Argument<string>("slug");
        var number = new Argument<long>("job-number");
        var cancel = Control("cancel", "Cancel a job", [slug, number], parse => $"/api/v2/project/{parse.GetValue(slug)}/job/{parse.GetValue(number)}/cancel");
        return new Command("job", "Job controls") { cancel };
    }

    /// <summary>A command that POSTs to one control endpoint and prints the server's message.</summary>
    private static Command Control(string name, string description, Argument[] arguments, Func<ParseResult, string> path)
    {
        var dataDir = DataDir;
        var command = new Command(name, description);
        foreach (var argument in arguments) command.Arguments.Add(argument);
        AddConnection(command, dataDir);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, dataDir);
            var reply = await client.SendAsync(HttpMethod.Post, path(parse), ct: ct);
            Console.WriteLine(reply["message"]);
        });
        return command;
    }

    public static Command Logs()
    {
        var slug = new Argument<string>("slug");
        var number = new Argument<long>("job-number");
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing output until the job ends" };
        var dataDir = DataDir;
        var logs = new Command("logs", "Print a job's output") { slug, number, follow };
        AddConnection(logs, dataDir);
        logs.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, dataDir);
            var path = $"/api/v2/project/{parse.GetValue(slug)}/job/{parse.GetValue(number)}";
            if (parse.GetValue(follow)) return await LiveLogPrinter.FollowAsync(client, path, Console.Out, ct);
            Console.Write(await client.SendForTextAsync(HttpMethod.Get, path + "/output", ct: ct));
            return 0;
        });
        return logs;
    }
}
