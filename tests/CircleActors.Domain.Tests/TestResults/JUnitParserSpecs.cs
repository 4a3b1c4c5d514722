using CircleActors.Domain.TestResults;

namespace CircleActors.Domain.Tests.TestResults;

/// <summary>The parts of JUnit XML the corpus does not show on its own.</summary>
public sealed class JUnitParserSpecs
{
    [Fact]
    public void A_testcase_without_a_file_takes_the_nearest_suites_file()
    {
        var report = JUnitParser.Parse("r.xml", """
            <testsuites><testsuite file="outer.php"><testsuite file="inner.php"><testcase name="a"/></testsuite>
            <testcase name="b"/><testcase name="c" file="own.php"/></testsuite></testsuites>
            """);

        Assert.Equal(["inner.php", "outer.php", "own.php"], report.Cases.Select(c => c.File));
    }

    [Theory]
    [InlineData("<html><body/></html>", "the root element is <html>")]
    [InlineData("", "Root element is missing")]
    [InlineData("<testsuite><testcase name='a'></testsuite>", "Line 1")]
    public void What_is_not_a_report_is_reported_not_thrown(string xml, string reason)
    {
        var report = JUnitParser.Parse("out/r.xml", xml);

        Assert.True(report.IsCorrupt);
        Assert.Contains("out/r.xml is not a readable JUnit report", report.Error);
        Assert.Contains(reason, report.Error);
    }

    [Theory]
    [InlineData("1,234.5", 1234.5)]
    [InlineData("0.25", 0.25)]
    [InlineData("", 0)]
    [InlineData("-3", 0)]
    [InlineData("NaN", 0)]
    public void A_time_is_read_as_seconds_and_nonsense_counts_as_none(string time, double seconds)
    {
        var report = JUnitParser.Parse("r.xml", $"<testsuite><testcase name='a' time='{time}'/></testsuite>");

        Assert.Equal(seconds, Assert.Single(report.Cases).RunTime);
    }

    [Fact]
    public void A_document_type_declaration_is_not_processed()
    {
        var report = JUnitParser.Parse("r.xml", """
            <?xml version="1.0"?>
            <!DOCTYPE testsuite [<!ENTITY boom "boom">]>
            <testsuite><testcase name="a"/></testsuite>
            """);

        Assert.False(report.IsCorrupt, report.Error);
        Assert.Equal("a", Assert.Single(report.Cases).Name);
    }

    [Theory]
    [InlineData(TestOutcome.Success, "success")]
    [InlineData(TestOutcome.Failure, "failure")]
    [InlineData(TestOutcome.Error, "failure")]
    [InlineData(TestOutcome.Skipped, "skipped")]
    public void A_result_has_CircleCIs_spelling(TestOutcome outcome, string wire) => Assert.Equal(wire, outcome.ToWire());
}
