using CircleActors.Domain.Jobs;
using CircleActors.Domain.Workflows;

namespace CircleActors.Domain.Tests.Jobs;

/// <summary>The status vocabularies: which statuses are final, how the API spells them, and how tasks combine.</summary>
public sealed class JobStatusSpecs
{
    [Theory]
    [InlineData(JobStatus.NotRunning, false, "not_running")]
    [InlineData(JobStatus.Queued, false, "queued")]
    [InlineData(JobStatus.Running, false, "running")]
    [InlineData(JobStatus.Success, true, "success")]
    [InlineData(JobStatus.Failed, true, "failed")]
    [InlineData(JobStatus.Canceled, true, "canceled")]
    [InlineData(JobStatus.InfrastructureFail, true, "infrastructure_fail")]
    [InlineData(JobStatus.TimedOut, true, "timedout")]
    [InlineData(JobStatus.OnHold, false, "on_hold")]
    [InlineData(JobStatus.Blocked, false, "blocked")]
    [InlineData(JobStatus.Unauthorized, true, "unauthorized")]
    public void A_job_status_is_final_or_not_and_has_CircleCIs_spelling(JobStatus status, bool terminal, string wire)
    {
        Assert.Equal(terminal, status.IsTerminal());
        Assert.Equal(wire, status.ToWire());
        Assert.Equal(status == JobStatus.Success, status.IsSuccessful());
    }

    [Fact]
    public void Every_job_status_is_in_the_table()
    {
        var tabled = typeof(JobStatusSpecs).GetMethod(nameof(A_job_status_is_final_or_not_and_has_CircleCIs_spelling))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (JobStatus)a.GetData(null!).Single()[0]);
        Assert.Equal(Enum.GetValues<JobStatus>().Order(), tabled.Order());
    }

    [Fact]
    public void Job_status_spellings_are_distinct()
    {
        var spellings = Enum.GetValues<JobStatus>().Select(s => s.ToWire()).ToList();
        Assert.Equal(spellings.Count, spellings.Distinct().Count());
    }

    public static TheoryData<JobStatus[], JobStatus> Combinations => new()
    {
        { [], JobStatus.NotRunning },
        { [JobStatus.NotRunning], JobStatus.NotRunning },
        { [JobStatus.NotRunning, JobStatus.NotRunning], JobStatus.NotRunning },
        { [JobStatus.NotRunning, JobStatus.Queued], JobStatus.Queued },
        { [JobStatus.Queued, JobStatus.Queued], JobStatus.Queued },
        { [JobStatus.Queued, JobStatus.Running], JobStatus.Running },
        { [JobStatus.Running, JobStatus.Success], JobStatus.Running },
        { [JobStatus.Running, JobStatus.Failed], JobStatus.Running },
        // Some tasks ended while others still wait for a node: the job has started.
        { [JobStatus.Success, JobStatus.NotRunning], JobStatus.Running },
        { [JobStatus.Failed, JobStatus.Queued], JobStatus.Running },
        { [JobStatus.Success], JobStatus.Success },
        { [JobStatus.Success, JobStatus.Success, JobStatus.Success], JobStatus.Success },
        // Once all have ended the worst outcome wins.
        { [JobStatus.Success, JobStatus.Failed], JobStatus.Failed },
        { [JobStatus.Failed, JobStatus.Success], JobStatus.Failed },
        { [JobStatus.Success, JobStatus.TimedOut], JobStatus.TimedOut },
        { [JobStatus.Failed, JobStatus.TimedOut], JobStatus.TimedOut },
        { [JobStatus.Success, JobStatus.InfrastructureFail], JobStatus.InfrastructureFail },
        { [JobStatus.TimedOut, JobStatus.InfrastructureFail], JobStatus.InfrastructureFail },
        { [JobStatus.InfrastructureFail, JobStatus.Canceled], JobStatus.Canceled },
        { [JobStatus.Failed, JobStatus.Canceled, JobStatus.Success], JobStatus.Canceled },
        { [JobStatus.Success, JobStatus.Unauthorized], JobStatus.Unauthorized },
        { [JobStatus.Unauthorized, JobStatus.Failed], JobStatus.Failed },
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void A_jobs_status_combines_its_tasks_statuses(JobStatus[] tasks, JobStatus expected) =>
        Assert.Equal(expected, JobStatuses.Combine(tasks));

    [Theory]
    [InlineData(StepStatus.Running, "running")]
    [InlineData(StepStatus.Success, "success")]
    [InlineData(StepStatus.Failed, "failed")]
    [InlineData(StepStatus.Canceled, "canceled")]
    [InlineData(StepStatus.Skipped, "skipped")]
    [InlineData(StepStatus.TimedOut, "timedout")]
    public void A_step_status_has_CircleCIs_spelling(StepStatus status, string wire) => Assert.Equal(wire, status.ToWire());

    [Theory]
    [InlineData(WorkflowStatus.Running, false, "running")]
    [InlineData(WorkflowStatus.OnHold, false, "on_hold")]
    [InlineData(WorkflowStatus.Failing, false, "failing")]
    [InlineData(WorkflowStatus.Success, true, "success")]
    [InlineData(WorkflowStatus.Failed, true, "failed")]
    [InlineData(WorkflowStatus.Error, true, "error")]
    [InlineData(WorkflowStatus.Canceled, true, "canceled")]
    [InlineData(WorkflowStatus.NotRun, true, "not_run")]
    public void A_workflow_status_is_final_or_not_and_has_CircleCIs_spelling(WorkflowStatus status, bool terminal, string wire)
    {
        Assert.Equal(terminal, status.IsTerminal());
        Assert.Equal(wire, status.ToWire());
    }

    [Fact]
    public void Every_workflow_and_step_status_is_in_a_table()
    {
        static IEnumerable<T> Tabled<T>(string method) => typeof(JobStatusSpecs).GetMethod(method)!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (T)a.GetData(null!).Single()[0]);
        Assert.Equal(Enum.GetValues<WorkflowStatus>().Order(), Tabled<WorkflowStatus>(nameof(A_workflow_status_is_final_or_not_and_has_CircleCIs_spelling)).Order());
        Assert.Equal(Enum.GetValues<StepStatus>().Order(), Tabled<StepStatus>(nameof(A_step_status_has_CircleCIs_spelling)).Order());
    }
}
