using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary>
/// Test results and test splitting on real processes and Docker: a job with <c>parallelism: 4</c>
/// splits its test files with <c>circleci tests split --split-by=timings</c>, writes a JUnit report
/// per task with each file's time and stores it; the next run of the job splits by the times the
/// first one stored, and the API lists the stored cases.
/// </summary>
public sealed partial class TestSplittingSpecs(ITestOutputHelper output)
{
    private const string Slug = "gh/acme/split";

    // How long each test file "takes": what its report says, and so what the next run balances by.
    private static readonly Dictionary<string, double> Seconds = new()
    {
        ["tests/t01.py"] = 8, ["tests/t02.py"] = 7, ["tests/t03.py"] = 6, ["tests/t04.py"] = 5,
        ["tests/unit/t05.py"] = 4, ["tests/unit/t06.py"] = 3, ["tests/unit/t07.py"] = 2, ["tests/unit/t08.py"] = 1,
    };

    private const string Config = """
        version: 2.1
        jobs:
          test:
            docker:
              - image: circleactors/busybox:latest
            parallelism: 4
            steps:
              - checkout
              - run:
                  name: Run my share of the tests
                  command: |
                    mkdir -p results
                    circleci tests glob "tests/**/*.py" | circleci tests split --split-by=timings > my-tests.txt
                    echo "node $CIRCLE_NODE_INDEX of $CIRCLE_NODE_TOTAL runs: $(tr '\n' ' ' < my-tests.txt)"
                    {
                      echo '<?xml version="1.0" encoding="UTF-8"?>'
                      echo "<testsuites><testsuite name=\"node $CIRCLE_NODE_INDEX\">"
                      while read -r f; do
                        t=$(awk -v f="$f" '$1 == f { print $2 }' times.txt)
                        if [ "$f" = tests/unit/t08.py ]; then
                          echo "<testcase classname=\"app.tests\" name=\"test $f\" file=\"$f\" time=\"$t\"><skipped message=\"not &amp; never\"/></testcase>"
                        else
                          echo "<testcase classname=\"app.tests\" name=\"test $f\" file=\"$f\" time=\"$t\"/>"
                        fi
                      done < my-tests.txt
                      echo '</testsuite></testsuites>'
                    } > results/junit.xml
                    if [ "$CIRCLE_NODE_INDEX" = 0 ]; then echo '<testsuites><testsuite name="cut' > results/broken.xml; fi
              - store_test_results:
                  path: results
        workflows:
          main:
            jobs: [test]
        """;

    [Theory]
    [MemberData(nameof(Journals.Both), MemberType = typeof(Journals))]
    public async Task A_parallel_job_splits_its_tests_by_the_times_its_previous_run_stored(string journal)
    {
        using var repository = new GitRepository();
        var files = Seconds.ToDictionary(s => s.Key, _ => "def test(): pass\n");
        files["times.txt"] = string.Concat(Seconds.Select(s => $"{s.Key} {s.Value.ToString(CultureInfo.InvariantCulture)}\n"));
        files[".circleci/config.yml"] = Config;
        repository.Commit(files);
        await using var installation = await Installation.StartAsync(output, journal, agentCapacityCpus: "8");
        await installation.AddProjectAsync(Slug, repository.Path, "secret");

        // First run: no timings yet, so the files are dealt out by count.
        var first = await RunJobAsync(installation);
        var tasks = first.Job["tasks"]!.AsArray();
        Assert.Equal(4, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("success", t!["status"]!.GetValue<string>()));
        Assert.Equal([0, 1, 2, 3], first.Job["parallel_runs"]!.AsArray().Select(r => r!["index"]!.GetValue<int>()));
        Assert.Contains("No earlier run of this job stored test results", first.Output);
        Assert.Contains("junit.xml: 2 tests (0 failed, 0 skipped) in 1 suite", first.Output);
        Assert.Contains("broken.xml is not a readable JUnit report", first.Output);
        Assert.Contains("==> [0] Uploading test results (success, exit 0)", first.Output);
        Assert.Equal(Seconds.Keys.Order(), first.Shares.SelectMany(s => s).Order());

        var stored = await StoredTestsAsync(installation, first.Number, Seconds.Count, first.Output);
        Assert.Equal(Seconds.Keys.Order(), stored.Select(t => t!["file"]!.GetValue<string>()).Order());
        foreach (var test in stored)
        {
            var file = test!["file"]!.GetValue<string>();
            Assert.Equal($"test {file}", test["name"]!.GetValue<string>());
            Assert.Equal("app.tests", test["classname"]!.GetValue<string>());
            Assert.Equal("junit.xml", test["source"]!.GetValue<string>());
            Assert.Equal(Seconds[file], test["run_time"]!.GetValue<double>());
            Assert.Equal(file == "tests/unit/t08.py" ? "skipped" : "success", test["result"]!.GetValue<string>());
            Assert.Equal(file == "tests/unit/t08.py" ? "not & never" : "", test["message"]!.GetValue<string>());
        }

        // Second run: the recorded times (36 s in all) balance to 9 s per task, heaviest first.
        var second = await RunJobAsync(installation);
        Assert.Contains($"Test timings from job #{first.Number}: {Seconds.Count} test cases", second.Output);
        Assert.Equal(Seconds.Keys.Order(), second.Shares.SelectMany(s => s).Order());
        var loads = second.Shares.Select(share => share.Sum(f => Seconds[f])).ToList();
        Assert.All(loads, load => Assert.Equal(9, load));
        Assert.Equal(["tests/t01.py", "tests/unit/t08.py"], second.Shares[0]);
        Assert.Equal(["tests/t02.py", "tests/unit/t07.py"], second.Shares[1]);
        var firstLoads = first.Shares.Select(share => share.Sum(f => Seconds[f])).ToList();
        Assert.True(firstLoads.Max() - firstLoads.Min() > loads.Max() - loads.Min(), $"by count: {string.Join(", ", firstLoads)}");
    }

    [Fact]
    public async Task The_tests_of_an_unknown_job_or_project_are_not_found_and_a_bad_slug_is_refused()
    {
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, withAgent: false);
        await installation.AddProjectAsync(Slug, "/nowhere", "secret");

        using var unknownJob = await installation.Http.GetAsync($"/api/v2/project/{Slug}/999/tests");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownJob.StatusCode);
        Assert.Contains($"job 999 not found in {Slug}", await unknownJob.Content.ReadAsStringAsync());

        using var badSlug = await installation.Http.GetAsync("/api/v2/project/xx/acme/split/1/tests");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badSlug.StatusCode);
        using var unknownProject = await installation.Http.GetAsync("/api/v2/project/gh/acme/nothing/1/tests");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownProject.StatusCode);
    }

    private sealed record JobRun(long Number, JsonNode Job, string Output, IReadOnlyList<IReadOnlyList<string>> Shares);

    private static async Task<JobRun> RunJobAsync(Installation installation)
    {
        var pipelineId = await installation.TriggerAsync(Slug);
        await installation.WaitForPipelineAsync(pipelineId, TimeSpan.FromMinutes(3));
        var summary = (await installation.WorkflowJobsAsync(pipelineId)).Single()!;
        Assert.Equal("success", summary["status"]!.GetValue<string>());
        var number = summary["job_number"]!.GetValue<long>();
        var job = await installation.GetAsync($"/api/v2/project/{Slug}/job/{number}");
        var text = await installation.GetTextAsync($"/api/v2/project/{Slug}/job/{number}/output");
        var shares = Enumerable.Range(0, 4).Select(i =>
        {
            var line = Share().Matches(text).Single(m => m.Groups["node"].Value == i.ToString(CultureInfo.InvariantCulture));
            return (IReadOnlyList<string>)line.Groups["files"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }).ToList();
        return new JobRun(number, job, text, shares);
    }

    /// <summary>The stored cases, once the projection has written all of them.</summary>
    private static async Task<JsonArray> StoredTestsAsync(Installation installation, long jobNumber, int expected, string jobOutput)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var page = await installation.GetAsync($"/api/v2/project/{Slug}/{jobNumber}/tests");
            var items = page["items"]!.AsArray();
            Assert.Null(page["next_page_token"]);
            if (items.Count >= expected || watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                Assert.True(expected == items.Count, $"{items.Count} of {expected} tests stored; the job's output:\n{jobOutput}");
                return items;
            }
            await Task.Delay(200);
        }
    }

    [GeneratedRegex(@"^node (?<node>\d) of 4 runs: (?<files>.*)$", RegexOptions.Multiline)]
    private static partial Regex Share();
}
