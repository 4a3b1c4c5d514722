namespace CircleActors.Domain.TestResults;

/// <summary>How one test case ended, as a JUnit report says it.</summary>
public enum TestOutcome { Success, Failure, Error, Skipped }

public static class TestOutcomes
{
    /// <summary>
    /// CircleCI's API spells results <c>success</c>, <c>failure</c> and <c>skipped</c>; a JUnit
    /// <c>&lt;error&gt;</c> (the test broke rather than asserted) is a failure there.
    /// </summary>
    public static string ToWire(this TestOutcome outcome) => outcome switch
    {
        TestOutcome.Success => "success",
        TestOutcome.Skipped => "skipped",
        _ => "failure",
    };
}

/// <summary>One test case of a stored test report.</summary>
/// <param name="Name">The testcase's <c>name</c>.</param>
/// <param name="Classname">Its <c>classname</c>; null when the report has none (an empty one stays empty).</param>
/// <param name="File">Its <c>file</c> attribute, else the nearest enclosing testsuite's; null when none says.</param>
/// <param name="Source">The report it came from, relative to the <c>store_test_results</c> path.</param>
/// <param name="RunTime">Seconds, from <c>time</c> (0 when absent or unreadable).</param>
/// <param name="Message">The failure, error or skip's <c>message</c>, else its text; null for a success.</param>
/// <param name="Details">The text inside the failure, error or skip element, as written.</param>
public sealed record TestCaseResult(
    string Name,
    string? Classname,
    string? File,
    string Source,
    TestOutcome Result,
    double RunTime,
    string? Message = null,
    string? Details = null,
    int? Line = null);
