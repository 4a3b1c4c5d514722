namespace CircleActors.Agent.Steps;

/// <summary>
/// Where a running task reports its progress. The agent actor implements it over the agent
/// protocol; tests implement it in memory. Calls come from one task's runner, in order.
/// </summary>
public interface ITaskReporter
{
    /// <summary>A step began. <paramref name="stepIndex"/> counts from 0 in the order steps run.</summary>
    void StepStarted(int stepIndex, string name);

    /// <summary>Output of the current step: a chunk of text (lines end with '\n').</summary>
    void Output(int stepIndex, string text);

    void StepFinished(int stepIndex, int exitCode, StepOutcome outcome);
}

public enum StepOutcome { Success, Failed, Canceled, Skipped, TimedOut }
