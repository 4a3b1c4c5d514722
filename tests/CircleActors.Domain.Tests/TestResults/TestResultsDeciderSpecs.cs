using CircleActors.Domain.Common;
using CircleActors.Domain.TestResults;
using CircleActors.Domain.TestResults.Messages;
using static CircleActors.Domain.TestResults.Messages.TestResultsCommands;
using static CircleActors.Domain.TestResults.Messages.TestResultsEvents;

namespace CircleActors.Domain.Tests.TestResults;

/// <summary>A job's stored test results: each batch once, of sane size, for the job it names.</summary>
public sealed class TestResultsDeciderSpecs
{
    private static readonly JobId Job = new(Guid.Parse("0b7e9d52-1c55-4c1b-9d39-3f7c1c1e2a10"));
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static RecordTestResults Batch(int batch, int cases = 2, int task = 0, int attempt = 1, int step = 3, JobId? job = null) =>
        new(job ?? Job, ProjectSlug.Parse("gh/acme/app"), 12, "test", task, attempt, step, batch,
            Enumerable.Range(0, cases).Select(i => new TestCaseResult($"t{i}", "C", "f.py", "junit.xml", TestOutcome.Success, 0.5)).ToList());

    private static TestResultsState Apply(TestResultsState state, Decision<ITestResultsEvent> decision) =>
        decision.Events.Aggregate(state, (s, e) => s.Apply(e));

    [Fact]
    public void A_batch_is_recorded_with_its_cases_and_counted()
    {
        var decision = TestResultsDecider.Decide(TestResultsState.Empty(Job), Batch(0, cases: 3), At);

        var recorded = Assert.IsType<TestResultsRecorded>(Assert.Single(decision.Events));
        Assert.Equal((0, 1, 3, 0, 3, At), (recorded.TaskIndex, recorded.Attempt, recorded.StepIndex, recorded.Batch, recorded.Cases.Count, recorded.At));
        Assert.Equal(Accepted.Instance, decision.Reply);
        Assert.Equal(3, Apply(TestResultsState.Empty(Job), decision).CaseCount);
    }

    [Fact]
    public void A_repeated_batch_is_accepted_and_records_nothing()
    {
        var state = Apply(TestResultsState.Empty(Job), TestResultsDecider.Decide(TestResultsState.Empty(Job), Batch(0), At));

        var repeat = TestResultsDecider.Decide(state, Batch(0), At);

        Assert.Empty(repeat.Events);
        Assert.Equal(Accepted.Instance, repeat.Reply);
    }

    [Fact]
    public void The_same_batch_number_of_another_step_task_or_attempt_is_a_new_batch()
    {
        var state = Apply(TestResultsState.Empty(Job), TestResultsDecider.Decide(TestResultsState.Empty(Job), Batch(0), At));

        foreach (var other in new[] { Batch(0, step: 4), Batch(0, task: 1), Batch(0, attempt: 2), Batch(1) })
            Assert.Single(TestResultsDecider.Decide(state, other, At).Events);
    }

    [Theory]
    [InlineData(TestResultsDecider.MaxCasesPerBatch + 1, 0, 1, 3, "at most 500 test cases")]
    [InlineData(1, -1, 1, 3, "must name a step of a task attempt")]
    [InlineData(1, 0, 0, 3, "must name a step of a task attempt")]
    [InlineData(1, 0, 1, 0, "must name a step of a task attempt")]
    public void A_batch_that_names_no_step_or_is_too_large_is_refused(int cases, int task, int attempt, int step, string reason)
    {
        var decision = TestResultsDecider.Decide(TestResultsState.Empty(Job), Batch(0, cases, task, attempt, step), At);

        Assert.Empty(decision.Events);
        var rejected = Assert.IsType<Rejected>(decision.Reply);
        Assert.Equal(RejectionKind.Invalid, rejected.Kind);
        Assert.Contains(reason, rejected.Reason);
    }

    [Fact]
    public void A_batch_for_another_job_is_refused_and_an_event_for_another_job_does_not_apply()
    {
        var other = new JobId(Guid.NewGuid());
        Assert.IsType<Rejected>(TestResultsDecider.Decide(TestResultsState.Empty(Job), Batch(0, job: other), At).Reply);
        var foreign = new TestResultsRecorded(other, ProjectSlug.Parse("gh/acme/app"), 1, "test", 0, 1, 1, 0, [], At);
        Assert.Throws<InvalidOperationException>(() => TestResultsState.Empty(Job).Apply(foreign));
    }
}
