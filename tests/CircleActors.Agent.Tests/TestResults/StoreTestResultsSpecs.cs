using System.Collections.Concurrent;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Executors.Docker;
using CircleActors.Agent.Executors.Machine;
using CircleActors.Agent.Steps;
using CircleActors.Agent.Steps.TestResults;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.TestResults;
using CircleActors.Domain.TestResults.Messages;
using static CircleActors.Agent.Tests.Tasks;
using ConfigDockerExecutor = CircleActors.Domain.Config.DockerExecutor;
using DockerExecutor = CircleActors.Agent.Executors.Docker.DockerExecutor;
using MachineExecutor = CircleActors.Agent.Executors.Machine.MachineExecutor;

namespace CircleActors.Agent.Tests.TestResults;

/// <summary>
/// <c>store_test_results</c> and the <c>circleci</c> program in real environments: a busybox
/// container on the Docker engine and a machine workspace on this host.
/// </summary>
[Collection(DockerEngineCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StoreTestResultsSpecs : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);

    private readonly string _agentName = $"test-{Guid.NewGuid():N}";
    private readonly DirectoryInfo _workspaces = Directory.CreateTempSubdirectory("circleactors-results-");
    private readonly DockerExecutor _docker;
    private readonly MachineExecutor _machine;

    public StoreTestResultsSpecs(DockerEngineFixture engine)
    {
        _ = engine;
        _docker = new DockerExecutor(new DockerExecutorOptions(_agentName));
        // A temporary directory is private to its creator; the machine executor's build user must pass through it.
        _workspaces.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        _machine = new MachineExecutor(new MachineExecutorOptions(_agentName, _workspaces.FullName));
    }

    public void Dispose()
    {
        _docker.RemoveLeftoversAsync(_agentName, CancellationToken.None).GetAwaiter().GetResult();
        _docker.Dispose();
        _workspaces.Delete(recursive: true);
    }

    /// <summary>Keeps what the steps stored and serves the timings given, as the services side would.</summary>
    private sealed class InMemoryTestResults(TestResultsReplies.TestTimings timings) : ITestResultsChannel
    {
        public ConcurrentQueue<(int Step, int Batch, IReadOnlyList<TestCaseResult> Cases)> Batches { get; } = new();

        public Task RecordAsync(JobTaskSpec task, int stepIndex, int batch, IReadOnlyList<TestCaseResult> cases, CancellationToken cancellationToken)
        {
            Batches.Enqueue((stepIndex, batch, cases));
            return Task.CompletedTask;
        }

        public Task<TestResultsReplies.TestTimings> TimingsAsync(JobTaskSpec task, CancellationToken cancellationToken) => Task.FromResult(timings);
    }

    private const string MakeTestsAndReports = """
        mkdir -p tests out/sub
        for t in a b c; do echo "def test(): pass" > tests/${t}_test.py; done
        cat > out/sub/r1.xml <<'XML'
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites><testsuite name="s" file="tests/a_test.py">
          <testcase classname="A" name="passes" time="1.5"/>
          <testcase classname="A" name="fails &amp; says why" time="2"><failure message="expected 1 &lt; 0">trace</failure></testcase>
          <testcase classname="B" name="skipped" file="tests/b_test.py"><skipped/></testcase>
        </testsuite></testsuites>
        XML
        printf '<testsuite name="cut' > out/bad.xml
        echo "not a report" > out/notes.txt
        echo "share: $(circleci tests glob 'tests/*.py' | circleci tests split --split-by=timings --total=2 --index=0 | tr '\n' ' ')"
        echo "$CIRCLEACTORS_TEST_TIMINGS"
        """;

    public static TheoryData<string> Executors => new() { "docker", "machine" };

    [Theory]
    [MemberData(nameof(Executors))]
    public async Task Reports_are_parsed_counted_per_file_and_stored_and_a_corrupt_one_is_named_and_left_out(string kind)
    {
        var channel = new InMemoryTestResults(new TestResultsReplies.TestTimings(7,
        [
            new TestTiming("tests/a_test.py", "A", "a1", 5), new TestTiming("tests/b_test.py", "B", "b1", 1), new TestTiming("tests/c_test.py", "C", "c1", 4),
        ]));
        Step[] steps = [new RunStep(MakeTestsAndReports, Name: "make"), new StoreTestResultsStep("out"), new StoreTestResultsStep("nothing/here")];
        var job = kind == "docker" ? DockerJob(DockerEngineFixture.BusyboxImage, steps) : MachineJob(steps);
        IExecutor executor = kind == "docker" ? _docker : _machine;
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor, testResults: channel).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        Assert.Contains("Test timings from job #7: 3 test cases\n", reporter.OutputOf(0));
        Assert.Contains("circleci tests glob|split are available", reporter.OutputOf(0));
        // a (5 s) to share 0; c (4 s) and b (1 s) to share 1.
        Assert.Contains("share: tests/a_test.py \n", reporter.OutputOf(1));
        Assert.Contains("/.circleactors/test-timings\n", reporter.OutputOf(1));

        Assert.Equal([StoreTestResults.StepName, StoreTestResults.StepName], reporter.StepNames.Skip(2));
        var stored = reporter.OutputOf(2);
        Assert.Contains("sub/r1.xml: 3 tests (1 failed, 1 skipped) in 1 suite\n", stored);
        Assert.Contains("bad.xml is not a readable JUnit report: ", stored);
        Assert.Contains("Stored 3 test results from 2 files\n", stored);
        Assert.DoesNotContain("notes.txt", stored);
        Assert.Contains("nothing/here does not exist: no test results to store\n", reporter.OutputOf(3));
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(3));

        var batch = Assert.Single(channel.Batches);
        Assert.Equal((2, 0), (batch.Step, batch.Batch));
        Assert.Equal(
        [
            ("passes", "A", "tests/a_test.py", TestOutcome.Success, 1.5, (string?)null),
            ("fails & says why", "A", "tests/a_test.py", TestOutcome.Failure, 2, "expected 1 < 0"),
            ("skipped", "B", "tests/b_test.py", TestOutcome.Skipped, 0, null),
        ], batch.Cases.Select(c => (c.Name, c.Classname, c.File, c.Result, c.RunTime, c.Message)));
        Assert.All(batch.Cases, c => Assert.Equal("sub/r1.xml", c.Source));
    }

    [Fact]
    public async Task Without_a_connection_for_test_results_no_program_is_installed_and_the_step_still_reports()
    {
        var reporter = new RecordingReporter();
        var job = MachineJob(new RunStep("mkdir -p out && echo '<testsuite><testcase name=\"t\"/></testsuite>' > out/r.xml; command -v circleci || echo none"),
            new StoreTestResultsStep("out/r.xml"));

        var result = await new TaskRunner(_machine).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        Assert.Contains("none\n", reporter.OutputOf(1));
        Assert.Contains("r.xml: 1 test (0 failed, 0 skipped) in 1 suite\n", reporter.OutputOf(2));
        Assert.Contains("this agent has no connection to store test results", reporter.OutputOf(2));
    }
}
