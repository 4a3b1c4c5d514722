namespace CircleActors.Domain.TestResults;

/// <summary>
/// What one JUnit XML file held: its test cases and how many testsuites contained them, or,
/// for a file that is not a readable report, why not (a corrupt report fails nothing: it is
/// reported and left out).
/// </summary>
public sealed record JUnitReport(string Source, IReadOnlyList<TestCaseResult> Cases, int Suites, string? Error = null)
{
    public bool IsCorrupt => Error is not null;

    public int Count(TestOutcome outcome) => Cases.Count(c => c.Result == outcome);

    /// <summary>Seconds all its cases took.</summary>
    public double RunTime => Cases.Sum(c => c.RunTime);
}
