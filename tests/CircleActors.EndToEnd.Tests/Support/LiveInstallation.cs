using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>
/// One server and agent shared by the live-update specs (hub and browser), with a project per
/// scenario: output printed over a few seconds, an approval gate, and a job that waits to be canceled.
/// </summary>
public sealed class LiveInstallation : IAsyncLifetime
{
    /// <summary>The collection of specs that share one installation.</summary>
    public const string Collection = "live installation";

    public const string Counting = "gh/acme/counting";
    public const string Gated = "gh/acme/gated";
    public const string Sleepy = "gh/acme/sleepy";
    public const string Flood = "gh/acme/flood";
    public const string Reported = "gh/acme/reported";

    /// <summary>Lines the flood job prints as fast as it can: more than a stalled client's socket buffers hold.</summary>
    public const int FloodLines = 600_000;

    public const string LoginBanner = "Authorised use only. Maintenance on Sunday 06:00 UTC.";

    /// <summary>Lines the counting job prints, one every 20 ms.</summary>
    public const int CountedLines = 200;

    /// <summary>One job, <c>count</c>, whose step <c>Count</c> prints <see cref="CountedLines"/> green-coloured lines <c>line N</c>.</summary>
    public static readonly string CountingConfig = $$"""
            version: 2.1
            jobs:
              count:
                docker: [{ image: circleactors/busybox:latest }]
                steps:
                  - run: { name: Count, command: "i=1; while [ $i -le {{CountedLines}} ]; do printf '\\033[32mline\\033[0m %d\\n' $i; i=$((i+1)); sleep 0.02; done" }
            workflows:
              main:
                jobs: [count]
            """;

    private static readonly Dictionary<string, string> Configs = new()
    {
        [Counting] = CountingConfig,
        [Gated] = WorkflowControlSpecs.ApprovalConfig,
        [Flood] = $$"""
            version: 2.1
            jobs:
              flood:
                docker: [{ image: circleactors/busybox:latest }]
                steps:
                  - run: { name: Flood, command: "seq 1 {{FloodLines}}" }
            workflows:
              main:
                jobs: [flood]
            """,
        // Passing tests reported before the failing one, so a page listing failures first must reorder them.
        [Reported] = """
            version: 2.1
            jobs:
              report:
                docker: [{ image: circleactors/busybox:latest }]
                steps:
                  - run:
                      name: Test
                      command: |
                        sleep 2
                        mkdir -p out/results
                        echo "coverage 91%" > out/coverage.txt
                        echo '<h1>report</h1>' > out/report.html
                        {
                          echo '<testsuites><testsuite name="unit">'
                          echo '<testcase classname="app.a" name="adds" file="a.py" time="0.1"/>'
                          echo '<testcase classname="app.b" name="skips" file="b.py" time="0"><skipped/></testcase>'
                          echo '<testcase classname="app.c" name="divides" file="c.py" time="0.2"><failure message="1/0">ZeroDivisionError</failure></testcase>'
                          echo '</testsuite></testsuites>'
                        } > out/results/junit.xml
                  - store_artifacts: { path: out/coverage.txt }
                  - store_artifacts: { path: out/report.html }
                  - store_test_results: { path: out/results }
            workflows:
              main:
                jobs: [report]
            """,
        [Sleepy] = """
            version: 2.1
            jobs:
              nap:
                docker: [{ image: circleactors/busybox:latest }]
                steps: [{ run: { name: Nap, command: "echo napping; sleep 120" } }]
            workflows:
              main:
                jobs: [nap]
            """,
    };

    private readonly List<GitRepository> _repositories = new();

    public Installation Installation { get; private set; } = null!;

    public Uri Server => Installation.Http.BaseAddress!;

    public string Token => File.ReadAllText(Path.Combine(Installation.DataDirectory, "admin.token")).Trim();

    public async Task InitializeAsync()
    {
        Installation = await Installation.StartAsync(new NoOutput(), Journals.Sqlite,
            environment: new Dictionary<string, string> { ["CIRCLEACTORS_LOGIN_BANNER"] = LoginBanner });
        foreach (var (slug, config) in Configs)
        {
            var repository = new GitRepository();
            repository.CommitConfig(config);
            _repositories.Add(repository);
            await Installation.AddProjectAsync(slug, repository.Path, "secret");
        }
    }

    public async Task DisposeAsync()
    {
        await Installation.DisposeAsync();
        foreach (var repository in _repositories) repository.Dispose();
    }

    /// <summary>The ids and numbers of a pipeline's jobs once its workflow has planned them.</summary>
    public async Task<(string Id, long? Number)> JobAsync(string pipelineId, string name)
    {
        for (var i = 0; i < 300; i++)
        {
            var jobs = await Installation.WorkflowJobsAsync(pipelineId);
            if (jobs.FirstOrDefault(j => j!["name"]!.GetValue<string>() == name) is { } job && job["job_number"] is not null)
                return (job["id"]!.GetValue<string>(), job["job_number"]!.GetValue<long>());
            await Task.Delay(200);
        }
        throw new TimeoutException($"job {name} of pipeline {pipelineId} was never scheduled");
    }

    private sealed class NoOutput : ITestOutputHelper
    {
        public void WriteLine(string message) { }
        public void WriteLine(string format, params object[] args) { }
    }
}

[CollectionDefinition(LiveInstallation.Collection)]
public sealed class LiveInstallationCollection : ICollectionFixture<LiveInstallation>;
