using CircleActors.Domain.Config;
using CircleActors.Domain.Schedules;

namespace CircleActors.Domain.Tests.Schedules;

/// <summary>The cron times in a gap, in UTC, and the branches a fired time runs on.</summary>
public sealed class ScheduledTimesSpecs
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly Filters OnlyMain = new(new RefFilter(["main"], null), null);
    private static readonly Filters Releases = new(new RefFilter(["/release\\/.*/"], ["release/old"]), null);

    [Theory]
    [InlineData("* * * * *", 0, 59, null, 0)]
    [InlineData("* * * * *", 0, 60, "12:01", 1)]
    [InlineData("* * * * *", 30, 300, "12:05", 5)]
    [InlineData("0 * * * *", 0, 7200, "14:00", 2)]
    [InlineData("15 12 * * *", 0, 600, null, 0)]
    [InlineData("15 12 * * *", 0, 900, "12:15", 1)]
    [InlineData("*/10 * * * *", 60, 1800, "12:30", 3)]
    public void The_latest_time_in_a_gap_and_how_many_fell_due(string cron, int afterSeconds, int throughSeconds, string? latest, int count)
    {
        var due = ScheduledTimes.Between([new ScheduleTrigger(cron, null)], Noon.AddSeconds(afterSeconds), Noon.AddSeconds(throughSeconds));
        Assert.Equal(latest, due?.Latest.ToString("HH:mm"));
        Assert.Equal(count, due?.Count ?? 0);
    }

    [Fact]
    public void Of_several_triggers_the_latest_time_wins_with_every_trigger_that_names_it()
    {
        var due = ScheduledTimes.Between(
            [new ScheduleTrigger("0 * * * *", OnlyMain), new ScheduleTrigger("30 * * * *", Releases), new ScheduleTrigger("0 13 * * *", Releases)],
            Noon, Noon.AddMinutes(61))!;
        Assert.Equal(Noon.AddHours(1), due.Latest);
        Assert.Equal([OnlyMain, Releases], due.Filters);
        Assert.Equal(3, due.Count);
    }

    [Fact]
    public void A_gap_longer_than_the_search_window_still_fires_once_with_a_bounded_count()
    {
        var due = ScheduledTimes.Between([new ScheduleTrigger("0 0 * * *", null)], Noon.AddYears(-2), Noon)!;
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), due.Latest);
        Assert.Equal(31, due.Count);
    }

    [Theory]
    [InlineData(null, "main")]
    [InlineData("only-main", "main")]
    [InlineData("releases", "release/1.0,release/2.0")]
    [InlineData("both", "main,release/1.0,release/2.0")]
    public void The_branches_of_a_fired_time_are_the_repository_branches_its_filters_admit(string? filters, string expected)
    {
        Filters?[] chosen = filters switch
        {
            null => [null],
            "only-main" => [OnlyMain],
            "releases" => [Releases],
            _ => [Releases, OnlyMain, OnlyMain],
        };
        var branches = ScheduledBranches.Select(chosen, ["main", "release/1.0", "release/2.0", "release/old", "feature/x"], "main");
        Assert.Equal(expected.Split(','), branches);
    }
}
