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
/// Carries one task's progress to the services nodes: step starts and ends and, last, the task's
/// end to the job entity (which journals them), output as log chunks to the job's log. Reports
/// and output travel in two lanes, each with one message in flight and a bounded queue in front
/// of it, so a task that prints faster than the server stores blocks in its output callback:
/// backpressure reaches the process. Within a lane everything goes in the order it happened:
/// consecutive output of one step is merged into chunks of at most the configured number of bytes
/// (a single larger write goes as one chunk), and reports that queued up go as one.
/// </summary>
/// <remarks>
/// The lanes run side by side, so a step's start does not wait for output to be stored; an end
/// (a step's or the task's) waits until all output printed before it has been acknowledged,
/// so a job that records an end has the output that came before it. With both in one lane,
/// each round trip to the log sat between two to the job: a short task's reports took four
/// round trips instead of two.
/// </remarks>
public sealed class TaskOutbox : ITaskReporter
{
    private const int QueueCapacity = 256;

    private readonly JobTaskSpec _spec;
    private readonly IActorRef _jobs;
    private readonly IActorRef _logs;
    private readonly int _chunkMaxBytes;
    private readonly Action<string> _onAbandoned;
    private readonly Channel<Printed> _output = Bounded<Printed>();
    private readonly Channel<Report> _reports = Bounded<Report>();
    private readonly Dictionary<int, long> _offsets = new();
    // Output items queued so far (by the one writer) and acknowledged so far (by the output lane);
    // _outputProgress completes, and is replaced, whenever the second grows.
    private long _outputQueued;
    private long _outputDelivered;
    private TaskCompletionSource _outputProgress = NewProgress();
    private readonly Task _outputPump;
    private readonly Task _reportPump;
    private volatile bool _abandoned;

    /// <param name="onAbandoned">Called once if the job refuses this attempt's reports (it ended or moved on).</param>
    public TaskOutbox(JobTaskSpec spec, IActorRef jobs, IActorRef logs, int chunkMaxBytes, Action<string> onAbandoned)
    {
        _spec = spec;
        _jobs = jobs;
        _logs = logs;
        _chunkMaxBytes = chunkMaxBytes;
        _onAbandoned = onAbandoned;
        _outputPump = Task.Run(PumpOutputAsync);
        _reportPump = Task.Run(PumpReportsAsync);
    }

    private sealed record Printed(int Step, string Text);

    /// <param name="OutputBefore">How many output items were queued before this report: an end waits for them.</param>
    private sealed record Report(JobCommands.StepReport? Step, JobCommands.TaskEnd? End, long OutputBefore)
    {
        public bool IsEnd => End is not null || Step?.Status is not null;
    }

    private static Channel<T> Bounded<T>() => Channel.CreateBounded<T>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true,
    });

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void StepStarted(int stepIndex, string name) => EnqueueReport(JobCommands.StepReport.Started(stepIndex, name), null);

    public void Output(int stepIndex, string text)
    {
        _outputQueued++;
        Enqueue(_output, new Printed(stepIndex, text));
    }

    public void StepFinished(int stepIndex, int exitCode, StepOutcome outcome) =>
        EnqueueReport(JobCommands.StepReport.Finished(stepIndex, exitCode == TaskRunner.NoExitCode ? null : exitCode, ToStepStatus(outcome)), null);

    /// <summary>The task's end: the last report, delivered like the others (until the job answers). Nothing may be reported after it.</summary>
    public void TaskFinished(JobStatus status, string? reason) => EnqueueReport(null, new JobCommands.TaskEnd(status, reason));

    /// <summary>Waits until everything reported so far has been delivered (or abandoned).</summary>
    public async Task DrainAsync()
    {
        _output.Writer.TryComplete();
        _reports.Writer.TryComplete();
        await Task.WhenAll(_outputPump, _reportPump);
    }

    private void EnqueueReport(JobCommands.StepReport? step, JobCommands.TaskEnd? end) => Enqueue(_reports, new Report(step, end, _outputQueued));

    private static void Enqueue<T>(Channel<T> lane, T item)
    {
        if (lane.Writer.TryWrite(item)) return;
        // Full: block the reporting thread until the lane catches up.
        lane.Writer.WriteAsync(item).AsTask().GetAwaiter().GetResult();
    }

    private async Task PumpOutputAsync()
    {
        var reader = _output.Reader;
        while (await reader.WaitToReadAsync())
        {
            if (_abandoned)
            {
                while (reader.TryRead(out _)) { }
                continue;
            }
            // Everything queued goes in one message of at most the configured bytes (a single larger
            // write alone): one chunk per run of one step's output, the agent's lines between them
            // in chunks of their own.
            var chunks = new List<(int Step, StringBuilder Text)>();
            var items = 0;
            var bytes = 0;
            while (reader.TryPeek(out var printed))
            {
                var size = Encoding.UTF8.GetByteCount(printed.Text);
                if (items > 0 && bytes + size > _chunkMaxBytes) break;
                reader.TryRead(out _);
                items++;
                bytes += size;
                if (chunks.Count > 0 && chunks[^1].Step == printed.Step) chunks[^1].Text.Append(printed.Text);
                else chunks.Add((printed.Step, new StringBuilder(printed.Text)));
            }
            try
            {
                await SendChunksAsync(chunks.Select(c => (c.Step, c.Text.ToString())).ToList());
            }
            catch (Exception ex)
            {
                // Not left to fault the lane: an end waiting for this output would wait forever.
                Abandon($"the job's log failed: {ex.Message}");
            }
            OutputDelivered(items);
        }
    }

    private void OutputDelivered(long items)
    {
        Interlocked.Add(ref _outputDelivered, items);
        Interlocked.Exchange(ref _outputProgress, NewProgress()).TrySetResult();
    }

    private async Task OutputDeliveredAsync(long items)
    {
        while (!_abandoned)
        {
            // Taken before the count is read: an acknowledgement after the read completes it.
            var progress = Volatile.Read(ref _outputProgress).Task;
            if (Interlocked.Read(ref _outputDelivered) >= items) return;
            await progress;
        }
    }

    private async Task PumpReportsAsync()
    {
        var reader = _reports.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var first))
            {
                if (_abandoned) continue;
                // Reports queued behind the one in flight (a step's end and the next step's start, the task's
                // end) go together: one round trip and one journal write for the job instead of one each.
                var batch = new List<Report> { first };
                while (batch[^1].End is null && reader.TryRead(out var next)) batch.Add(next);
                if (batch.LastOrDefault(r => r.IsEnd) is { } lastEnd) await OutputDeliveredAsync(lastEnd.OutputBefore);
                if (_abandoned) continue;
                var steps = batch.Select(r => r.Step).OfType<JobCommands.StepReport>().ToList();
                var end = batch[^1].End;
                await ReportAsync((steps.Count, end) switch
                {
                    (1, null) => steps[0].ToCommand(_spec.JobId, _spec.TaskIndex, _spec.Attempt),
                    (0, { } alone) => new JobCommands.ReportTaskFinished(_spec.JobId, _spec.TaskIndex, _spec.Attempt, alone.Status, alone.Reason),
                    _ => new JobCommands.ReportSteps(_spec.JobId, _spec.TaskIndex, _spec.Attempt, steps, end),
                });
            }
        }
    }

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

    /// <summary>
    /// Sends chunks until each is in its log: a chunk sent again is written once; a refused one (its
    /// log is shorter than this outbox thought: it was lost) goes again from the length the log has.
    /// </summary>
    private async Task SendChunksAsync(List<(int Step, string Data)> pending)
    {
        for (var attempt = 0; attempt < 60 && pending.Count > 0; attempt++)
        {
            var next = new Dictionary<int, long>();
            var chunks = pending.Select(c =>
            {
                var offset = next.TryGetValue(c.Step, out var after) ? after : _offsets.GetValueOrDefault(c.Step);
                next[c.Step] = offset + Encoding.UTF8.GetByteCount(c.Data);
                return new LogProtocol.LogChunk(_spec.JobId, _spec.TaskIndex, _spec.Attempt, c.Step, offset, c.Data);
            }).ToList();
            try
            {
                var acks = await _logs.Ask<LogProtocol.LogChunkAcks>(new LogProtocol.LogChunks(_spec.JobId, chunks), Reliably.AttemptTimeout);
                foreach (var ack in acks.Acks) _offsets[ack.StepIndex] = ack.Length;
                pending = pending.Where((_, i) => !acks.Acks[i].Accepted).ToList();
            }
            catch (AskTimeoutException)
            {
                // Resent at the same offsets: written at most once.
            }
        }
        // The job's log has not answered for minutes: the services side is gone for this task.
        if (pending.Count > 0) Abandon($"step {pending[0].Step}'s output could not be stored");
    }

    /// <summary>Stops delivering: what is queued or reported later is dropped.</summary>
    public void Abandon(string reason)
    {
        if (_abandoned) return;
        _abandoned = true;
        // An end waiting for output that will not be delivered now goes nowhere either.
        _outputProgress.TrySetResult();
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
