namespace CircleActors.Agent.Steps;

/// <summary>
/// The token one step runs under, and why it was stopped: the task was canceled, the task ran
/// past its maximum run time, the step printed nothing for its <c>no_output_timeout</c>, or the
/// runner stopped it (a background step when the job's steps are done).
/// </summary>
internal sealed class StepDeadline : IDisposable
{
    private readonly CancellationToken canceled;
    private readonly CancellationToken overRunTime;
    private readonly CancellationTokenSource source;
    private readonly TimeSpan noOutputTimeout;
    private volatile bool stoppedByRunner;

    /// <param name="canceled">The task's cancellation (the job was canceled, the agent is stopping).</param>
    /// <param name="overRunTime">Cancelled when the task's maximum run time is over; includes <paramref name="canceled"/>.</param>
    public StepDeadline(CancellationToken canceled, CancellationToken overRunTime, TimeSpan noOutputTimeout)
    {
        this.canceled = canceled;
        this.overRunTime = overRunTime;
        this.noOutputTimeout = noOutputTimeout;
        source = CancellationTokenSource.CreateLinkedTokenSource(overRunTime);
        source.CancelAfter(noOutputTimeout);
    }

    public CancellationToken Token => source.Token;

    public TimeSpan NoOutputTimeout => noOutputTimeout;

    /// <summary>The step printed something: its silence starts again.</summary>
    public void Touch()
    {
        try
        {
            if (!source.IsCancellationRequested) source.CancelAfter(noOutputTimeout);
        }
        catch (ObjectDisposedException)
        {
            // Output of a step that has just ended.
        }
    }

    /// <summary>Stops the step on the runner's behalf (not a failure of the step).</summary>
    public void Stop()
    {
        stoppedByRunner = true;
        try { source.Cancel(); } catch (ObjectDisposedException) { }
    }

    public StepStop Reason =>
        !source.IsCancellationRequested ? StepStop.None
        : canceled.IsCancellationRequested ? StepStop.Canceled
        : stoppedByRunner ? StepStop.StoppedByRunner
        : overRunTime.IsCancellationRequested ? StepStop.RunTimeExceeded
        : StepStop.NoOutput;

    public void Dispose() => source.Dispose();
}

internal enum StepStop { None, Canceled, StoppedByRunner, RunTimeExceeded, NoOutput }
