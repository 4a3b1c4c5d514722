using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace CircleActors.Domain.TestResults;

/// <summary>
/// Reads JUnit XML as the common test runners write it (pytest, jest-junit, surefire,
/// go-junit-report, cargo-nextest, PHPUnit): a <c>&lt;testsuites&gt;</c> or a single
/// <c>&lt;testsuite&gt;</c> root, suites nested to any depth, and in each
/// <c>&lt;testcase&gt;</c> a <c>&lt;failure&gt;</c>, <c>&lt;error&gt;</c> or <c>&lt;skipped&gt;</c>
/// child, or none for a success. Never throws for what a file holds: a file that is not a
/// report comes back with its <see cref="JUnitReport.Error"/>.
/// </summary>
public static class JUnitParser
{
    // Reports come from the build, so they are untrusted: no DTD processing, bounded entities.
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024 * 1024,
    };

    /// <param name="source">How the report is named in results and messages (its path under the stored folder).</param>
    public static JUnitReport Parse(string source, string xml)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), Settings);
            document = XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException ex)
        {
            return Corrupt(source, ex.Message);
        }

        var root = document.Root!;
        if (root.Name.LocalName is not ("testsuites" or "testsuite"))
            return Corrupt(source, $"the root element is <{root.Name.LocalName}>, not <testsuites> or <testsuite>");

        var cases = new List<TestCaseResult>();
        foreach (var testcase in root.DescendantsAndSelf().Where(e => e.Name.LocalName == "testcase"))
            cases.Add(Case(source, testcase));
        var suites = root.DescendantsAndSelf().Count(e => e.Name.LocalName == "testsuite");
        return new JUnitReport(source, cases, suites);
    }

    private static JUnitReport Corrupt(string source, string reason) =>
        new(source, [], 0, $"{source} is not a readable JUnit report: {reason}");

    private static TestCaseResult Case(string source, XElement testcase)
    {
        var outcome = Outcome(testcase, out var detail);
        var message = detail is null ? null : Attribute(detail, "message") ?? NonEmpty(detail.Value);
        var file = Attribute(testcase, "file")
                   ?? testcase.Ancestors().Where(a => a.Name.LocalName == "testsuite").Select(s => Attribute(s, "file")).FirstOrDefault(f => f is not null);
        return new TestCaseResult(
            Name: Attribute(testcase, "name") ?? "",
            Classname: Attribute(testcase, "classname"),
            File: file,
            Source: source,
            Result: outcome,
            RunTime: Seconds(Attribute(testcase, "time")),
            Message: message,
            Details: detail is null ? null : NonEmpty(detail.Value),
            Line: int.TryParse(Attribute(testcase, "line"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var line) ? line : null);
    }

    /// <summary>A failure outranks an error outranks a skip, as runners that write several mean it.</summary>
    private static TestOutcome Outcome(XElement testcase, out XElement? detail)
    {
        foreach (var (name, outcome) in new[] { ("failure", TestOutcome.Failure), ("error", TestOutcome.Error), ("skipped", TestOutcome.Skipped) })
        {
            detail = testcase.Elements().FirstOrDefault(e => e.Name.LocalName == name);
            if (detail is not null) return outcome;
        }
        detail = null;
        return TestOutcome.Success;
    }

    private static string? Attribute(XElement element, string name) => element.Attribute(name)?.Value;

    private static string? NonEmpty(string text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>Seconds as runners write them; some group thousands with commas ("1,234.5").</summary>
    private static double Seconds(string? time) =>
        double.TryParse(time?.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds)
            ? seconds
            : 0;
}
