using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;

namespace CircleActors.Cli.Commands;

/// <summary>
/// <c>circleactors logs --follow</c>: prints a job's output as the server's event hub streams
/// it, each step under a header, and returns when the job has ended. The hub sends a job's
/// output before the view that shows it ended, so nothing is cut off.
/// </summary>
public static class LiveLogPrinter
{
    private sealed record StepKey(int Task, int Attempt, int Step);

    public static async Task<int> FollowAsync(ApiClient client, string jobPath, TextWriter output, CancellationToken ct)
    {
        // The hub watches a job by id; the job's workflow lists it with its number.
        var job = await client.SendAsync(HttpMethod.Get, jobPath, ct: ct);
        var number = job["number"]!.GetValue<long>();
        var jobs = await client.SendAsync(HttpMethod.Get, $"/api/v2/workflow/{job["latest_workflow"]!["id"]}/job", ct: ct);
        var jobId = jobs["items"]!.AsArray().Single(j => j!["job_number"]?.GetValue<long>() == number)!["id"]!.GetValue<string>();

        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new object();
        var partials = new Dictionary<StepKey, string>();
        StepKey? current = null;
        JsonNode? view = null;
        var parallel = job["parallelism"]?.GetValue<int>() > 1;

        void Header(StepKey key)
        {
            if (key == current) return;
            current = key;
            var name = view?["tasks"]?.AsArray().FirstOrDefault(t => t!["index"]!.GetValue<int>() == key.Task)?["steps"]?.AsArray()
                .FirstOrDefault(s => s!["index"]!.GetValue<int>() == key.Step)?["name"]?.GetValue<string>() ?? $"step {key.Step}";
            output.WriteLine($"==> {(parallel ? $"[{key.Task}] " : "")}{name}");
        }

        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(client.Server, "/hubs/events"), http =>
            {
                http.Headers["Circle-Token"] = client.Token;
                if (client.TrustedRoot is null) return;
                http.HttpMessageHandlerFactory = _ => ApiClient.Handler(client.TrustedRoot);
                // WebSockets bypass the handler, and with it the trusted CA; these transports go through it.
                http.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.ServerSentEvents
                    | Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
            })
            .AddJsonProtocol(json => json.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower)
            .Build();
        connection.On<JsonElement>("log", message =>
        {
            lock (gate)
            {
                var key = new StepKey(message.GetProperty("task").GetInt32(), message.GetProperty("attempt").GetInt32(), message.GetProperty("step").GetInt32());
                var lines = message.GetProperty("lines").EnumerateArray().Select(l => l.GetString()!).ToList();
                var skipped = message.GetProperty("skipped").GetInt64();
                if (lines.Count > 0 || skipped > 0) Header(key);
                if (skipped > 0) output.WriteLine($"... {skipped} lines skipped ...");
                foreach (var line in lines) output.WriteLine(line);
                partials[key] = message.GetProperty("partial").GetString() ?? "";
            }
        });
        void OnView(JsonElement message)
        {
            if (message.GetProperty("kind").GetString() != "job" || message.GetProperty("view").ValueKind == JsonValueKind.Null) return;
            lock (gate) view = JsonNode.Parse(message.GetProperty("view").GetRawText());
            var status = view!["status"]!.GetValue<string>();
            if (IsFinal(status)) ended.TrySetResult(status);
        }
        connection.On<JsonElement>("snapshot", OnView);
        connection.On<JsonElement>("changed", OnView);
        connection.Closed += error =>
        {
            ended.TrySetException(new ApiException($"the server closed the event stream{(error is null ? "" : ": " + error.Message)}"));
            return Task.CompletedTask;
        };

        await connection.StartAsync(ct);
        await connection.InvokeAsync("Subscribe", "job", jobId, ct);
        var final = await ended.Task.WaitAsync(ct);
        lock (gate)
            foreach (var (key, partial) in partials.Where(p => p.Value.Length > 0))
            {
                Header(key);
                output.WriteLine(partial);
            }
        output.Flush();
        return final == "success" ? 0 : 1;
    }

    public static bool IsFinal(string status) => status is "success" or "failed" or "canceled" or "infrastructure_fail" or "timedout" or "unauthorized";
}
