using System.Globalization;
using CircleActors.Actors.Logs;

namespace CircleActors.Agent.Steps;

/// <summary>
/// The agent's own log of a task: what it did about the task (assigned, environment prepared
/// and removed, canceled, ended), sent through the task's reporter beside the step output as
/// <see cref="LogProtocol.AgentLogStep"/>, so the operator reads it with <c>ops job logs -stderr</c>
/// without access to the agent's machine. Masked like step output.
/// </summary>
public static class AgentLog
{
    public static void Write(ITaskReporter reporter, string line) =>
        reporter.Output(LogProtocol.AgentLogStep, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture) + line + "\n");
}
