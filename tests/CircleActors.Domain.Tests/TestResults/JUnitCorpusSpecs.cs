using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CircleActors.Domain.TestResults;

namespace CircleActors.Domain.Tests.TestResults;

/// <summary>
/// Every JUnit report of the corpus, parsed and held against what the corpus expects of it:
/// a reference parser's results where <c>expected/</c> has them, the go test output a report was
/// made from, or else the totals the report declares on its own suites.
/// </summary>
public sealed partial class JUnitCorpusSpecs
{
    public static TheoryData<string> WithReferenceResults() => Reports(r => JUnitCorpus.Expected(r, ".results.pyrepr") is not null);

    public static TheoryData<string> WithDeclaredTotalsOnly() => Reports(r =>
        JUnitCorpus.Expected(r, ".results.pyrepr") is null && JUnitCorpus.Expected(r, ".input.txt") is null && JUnitCorpus.Expected(r, ".exception") is null);

    private static TheoryData<string> Reports(Func<string, bool> which)
    {
        var data = new TheoryData<string>();
        foreach (var report in JUnitCorpus.Listed().Where(which)) data.Add(report);
        return data;
    }

    [Theory]
    [MemberData(nameof(WithReferenceResults))]
    public void A_report_parses_to_the_reference_parsers_cases(string report)
    {
        var expected = (PythonRepr.Call)PythonRepr.Parse(JUnitCorpus.Expected(report, ".results.pyrepr")!)!;
        var expectedCases = ((List<object?>)expected.Arguments["cases"]!).Cast<PythonRepr.Call>().Select(c => c.Arguments).ToList();

        var parsed = JUnitParser.Parse(report, JUnitCorpus.Read(report));

        Assert.False(parsed.IsCorrupt, parsed.Error);
        Assert.Equal(Convert.ToInt32(expected.Arguments["suites"]), parsed.Suites);
        Assert.Equal(expectedCases.Count, parsed.Cases.Count);
        foreach (var (want, got) in expectedCases.Zip(parsed.Cases))
        {
            Assert.Equal(want["test_name"], got.Name);
            Assert.Equal(want["class_name"], got.Classname);
            Assert.Equal(want["test_file"], got.File);
            Assert.Equal(want["line"] is double line ? (int)line : null, got.Line);
            Assert.Equal(want["result"], got.Result.ToString().ToLowerInvariant());
            Assert.Equal(want["message"], got.Message);
            Assert.Equal(want["content"], got.Details);
            Assert.Equal((double)want["time"]!, got.RunTime, 6);
            Assert.Equal(report, got.Source);
        }
    }

    [Theory]
    [MemberData(nameof(WithReferenceResults))]
    public void A_report_has_the_reference_totals(string report)
    {
        using var expected = JsonDocument.Parse(JUnitCorpus.Expected(report, ".results.json")!);
        var stats = expected.RootElement.GetProperty("stats");

        var parsed = JUnitParser.Parse(report, JUnitCorpus.Read(report));

        Assert.Equal(stats.GetProperty("tests").GetInt32(), parsed.Cases.Count);
        Assert.Equal(stats.GetProperty("tests_succ").GetInt32(), parsed.Count(TestOutcome.Success));
        Assert.Equal(stats.GetProperty("tests_skip").GetInt32(), parsed.Count(TestOutcome.Skipped));
        Assert.Equal(stats.GetProperty("tests_fail").GetInt32(), parsed.Count(TestOutcome.Failure));
        Assert.Equal(stats.GetProperty("tests_error").GetInt32(), parsed.Count(TestOutcome.Error));
    }

    [Fact]
    public void The_go_report_holds_each_test_of_the_go_test_output_it_was_made_from()
    {
        const string report = "07_go-junit-report_001-pass-fail-skip.xml";
        var run = GoTestResult().Matches(JUnitCorpus.Expected(report, ".input.txt")!)
            .Select(m => (Name: m.Groups["name"].Value, Result: m.Groups["result"].Value,
                Time: double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(5, run.Count);

        var parsed = JUnitParser.Parse(report, JUnitCorpus.Read(report));

        Assert.Equal(run.Select(r => r.Name), parsed.Cases.Select(c => c.Name));
        foreach (var (want, got) in run.Zip(parsed.Cases))
        {
            var outcome = want.Result switch { "PASS" => TestOutcome.Success, "FAIL" => TestOutcome.Failure, _ => TestOutcome.Skipped };
            Assert.Equal(outcome, got.Result);
            Assert.Equal(want.Time, got.RunTime, 6);
        }
        Assert.Equal("package/fail", parsed.Cases.Single(c => c.Result == TestOutcome.Failure).Classname);
        Assert.Equal(3, parsed.Suites);
    }

    [Theory]
    [MemberData(nameof(WithDeclaredTotalsOnly))]
    public void A_report_holds_the_totals_its_suites_declare(string report)
    {
        var xml = XDocument.Parse(JUnitCorpus.Read(report)).Root!;
        var topSuites = xml.Name.LocalName == "testsuite" ? [xml] : xml.Elements("testsuite").ToList();
        int Declared(string name) => topSuites.Sum(s => int.TryParse((string?)s.Attribute(name), out var n) ? n : 0);

        var parsed = JUnitParser.Parse(report, JUnitCorpus.Read(report));

        Assert.False(parsed.IsCorrupt, parsed.Error);
        Assert.True(parsed.Cases.Count > 0);
        Assert.Equal(Declared("tests"), parsed.Cases.Count);
        Assert.Equal(Declared("failures"), parsed.Count(TestOutcome.Failure));
        Assert.Equal(Declared("errors"), parsed.Count(TestOutcome.Error));
        Assert.Equal(Declared("skipped"), parsed.Count(TestOutcome.Skipped));
        Assert.All(parsed.Cases, c => Assert.False(string.IsNullOrEmpty(c.Name)));
        Assert.All(parsed.Cases.Where(c => c.Result != TestOutcome.Success), c => Assert.NotNull(c.Message ?? c.Details));
    }

    [Fact]
    public void The_truncated_report_is_reported_corrupt_with_where_it_breaks_and_yields_no_cases()
    {
        const string report = "15_edge_pytest_corrupt-xml.xml";
        var reference = JUnitCorpus.Expected(report, ".exception")!;
        var line = int.Parse(ReferenceLine().Match(reference).Groups[1].Value, CultureInfo.InvariantCulture);

        var parsed = JUnitParser.Parse(report, JUnitCorpus.Read(report));

        Assert.True(parsed.IsCorrupt);
        Assert.Empty(parsed.Cases);
        Assert.StartsWith($"{report} is not a readable JUnit report: ", parsed.Error);
        Assert.Contains($"Line {line}", parsed.Error);
    }

    [Fact]
    public void Every_report_of_the_corpus_is_checked_by_one_of_these_specs()
    {
        var listed = JUnitCorpus.Listed();
        var onDisk = Directory.GetFiles(JUnitCorpus.Folder, "*.xml").Select(Path.GetFileName);
        Assert.Equal(onDisk.Order(), listed.Order());
        var covered = WithReferenceResults().Cast<object[]>().Concat(WithDeclaredTotalsOnly().Cast<object[]>()).Select(row => (string)row[0])
            .Append("07_go-junit-report_001-pass-fail-skip.xml").Append("15_edge_pytest_corrupt-xml.xml");
        Assert.Equal(listed.Order(), covered.Order());
    }

    [GeneratedRegex(@"^--- (?<result>PASS|FAIL|SKIP): (?<name>\S+) \((?<time>[0-9.]+)s\)", RegexOptions.Multiline)]
    private static partial Regex GoTestResult();

    [GeneratedRegex(@"line (\d+), column \d+")]
    private static partial Regex ReferenceLine();
}
