namespace CircleActors.Domain.Jobs;

public enum StepStatus { Running, Success, Failed, Canceled, Skipped, TimedOut }

public static class StepStatuses
{
    public static string ToWire(this StepStatus status) => status == StepStatus.TimedOut ? "timedout" : status.ToString().ToLowerInvariant();
}
