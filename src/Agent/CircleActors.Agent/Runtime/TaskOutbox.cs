using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using CircleActors.Actors.Common;
using CircleActors.Actors.Logs;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Jobs.Messages;

namespace CircleActors.Agent.Runtime;

/// <summary>
/// Carries one task's progress to the services nodes in the order it happened: step starts and
/// ends to the job entity (which journals them), output as log chunks to the job's log. One
/// message is in flight at a time and the queue in front of it is bounded, so a task that
/// prints faster than the server stores blocks in its output callback: backpressure reaches
/// the process. Consecutive output of one step is merged into chunks of at most the
/// configured number of bytes (a single larger write goes as one chunk); consecutive step starts
/// and ends go as one report.
/// </summary>
public sealed class TaskOutbox : ITaskReporter
{
    private const int QueueCapacity = 256;

    private readonly JobTaskSpec _spec;
    private readonly IActorRef _jobs;
    private readonly IActorRef _logs;
    private readonly int _chunkMaxBytes;
    private readonly Action<string> _onAbandoned;
    private readonly Channel<Item> _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
    });
    private readonly Dictionary<int, long> _offsets = new();
    private readonly Task _pump;
    private volatile bool _abandoned;

    /// <param name="onAbandoned">Called once if the job refuses this attempt's reports (it ended or moved on).</param>
    public TaskOutbox(JobTaskSpec spec, IActorRef jobs, IActorRef logs, int chunkMaxBytes, Action<string> onAbandoned)
    {
        _spec = spec;
        _jobs = jobs;
        _logs = logs;
        _chunkMaxBytes = chunkMaxBytes;
        _onAbandoned = onAbandoned;
        _pump = Task.Run(PumpAsync);
    }

    private abstract record Item(int Step);
    private sealed record Started(int Step, string Name) : Item(Step);
    private sealed record Printed(int Step, string Text) : Item(Step);
    private sealed record Finished(int Step, int ExitCode, StepOutcome Outcome) : Item(Step);

    public void StepStarted(int stepIndex, string name) => Enqueue(new Started(stepIndex, name));

    public void Output(int stepIndex, string text) => Enqueue(new Printed(stepIndex, text));

    public void StepFinished(int stepIndex, int exitCode, StepOutcome outcome) => Enqueue(new Finished(stepIndex, exitCode, outcome));

    /// <summary>Waits until everything reported so far has been delivered (or abandoned).</summary>
    public async Task DrainAsync()
    {
        _queue.Writer.TryComplete();
        await _pump;
    }

    private void Enqueue(Item item)
    {
        if (_queue.Writer.TryWrite(item)) return;
        // Full: block the reporting thread until the pump catches up.
        _queue.Writer.WriteAsync(item).AsTask().GetAwaiter().GetResult();
    }

    private async Task PumpAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var item))
            {
                if (_abandoned) continue;
                switch (item)
                {
                    case Printed printed:
                        var text = new StringBuilder(printed.Text);
                        var bytes = Encoding.UTF8.GetByteCount(printed.Text);
                        while (reader.TryPeek(out var next) && next is Printed more && more.Step == printed.Step &&
                               bytes + Encoding.UTF8.GetByteCount(more.Text) <= _chunkMaxBytes)
                        {
                            reader.TryRead(out _);
                            text.Append(more.Text);
                            bytes += Encoding.UTF8.GetByteCount(more.Text);
                        }
                        await SendChunkAsync(printed.Step, text.ToString());
                        break;
                    case Started or Finished:
                        // Reports queued behind the one in flight (a step's end and the next step's start)
                        // go together: one round trip and one journal write for the job instead of one each.
                        var reports = new List<JobCommands.StepReport> { ToReport(item) };
                        while (reader.TryPeek(out var next) && next is Started or Finished)
                        {
                            reader.TryRead(out _);
                            reports.Add(ToReport(next));
                        }
                        await ReportAsync(reports.Count == 1
                            ? reports[0].ToCommand(_spec.JobId, _spec.TaskIndex, _spec.Attempt)
                            : new JobCommands.ReportSteps(_spec.JobId, _spec.TaskIndex, _spec.Attempt, reports));
                        break;
                }
            }
        }
    }

    private static JobCommands.StepReport ToReport(Item item) => item switch
    {
        Started started => JobCommands.StepReport.Started(started.Step, started.Name),
        Finished finished => JobCommands.StepReport.Finished(finished.Step,
            finished.ExitCode == TaskRunner.NoExitCode ? null : finished.ExitCode, ToStepStatus(finished.Outcome)),
        _ => throw new ArgumentOutOfRangeException(nameof(item), item.GetType().Name, "not a step report"),
    };

    private async Task ReportAsync(IJobCommand command)
    {
        object reply;
        try
        {
            reply = await Reliably.AskAsync(_jobs, command);
        }
        catch (Exception ex)
        {
            Abandon($"the job did not answer: {ex.Message}");
            return;
        }
        if (reply is Rejected rejected) Abandon(rejected.Reason);
    }

    private async Task SendChunkAsync(int step, string data)
    {
        var offset = _offsets.GetValueOrDefault(step);
        for (var attempt = 0; attempt < 60; attempt++)
        {
            try
            {
                var ack = await _logs.Ask<LogProtocol.LogChunkAck>(
                    new LogProtocol.LogChunk(_spec.JobId, _spec.TaskIndex, _spec.Attempt, step, offset, data), Reliably.AttemptTimeout);
                if (ack.Accepted)
                {
                    _offsets[step] = ack.Length;
                    return;
                }
                // The log is shorter than we thought (it was lost): continue from what it has.
                offset = ack.Length;
            }
            catch (AskTimeoutException)
            {
                // Resent at the same offset: written at most once.
            }
        }
        // The job's log has not answered for minutes: the services side is gone for this task.
        Abandon($"step {step}'s output could not be stored");
    }

    /// <summary>Whether reports stopped (the job refused them, or the agent is going away).</summary>
    public bool IsAbandoned => _abandoned;

    /// <summary>Stops delivering: what is queued or reported later is dropped.</summary>
    public void Abandon(string reason)
    {
        if (_abandoned) return;
        _abandoned = true;
        _onAbandoned(reason);
    }

    public static StepStatus ToStepStatus(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Success => StepStatus.Success,
        StepOutcome.Failed => StepStatus.Failed,
        StepOutcome.Canceled => StepStatus.Canceled,
        StepOutcome.Skipped => StepStatus.Skipped,
        StepOutcome.TimedOut => StepStatus.TimedOut,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };
}
