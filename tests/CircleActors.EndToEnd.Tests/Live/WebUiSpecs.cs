using CircleActors.EndToEnd.Tests.Support;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace CircleActors.EndToEnd.Tests.Live;

/// <summary>The web UI in headless Chromium on a real server and agent: pages change as work happens, with no reload.</summary>
[Collection(LiveInstallation.Collection)]
public sealed class WebUiSpecs(LiveInstallation live) : IAsyncLifetime
{
    private BrowserSession _browser = null!;

    private IPage Page => _browser.Page;

    public async Task InitializeAsync() => _browser = await BrowserSession.StartAsync(live.Server);

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
    }

    private void NoScriptErrors() => Assert.True(_browser.Errors.Count == 0, "the page reported errors:\n" + string.Join("\n", _browser.Errors));

    private async Task<string> WaitForPipelineProjectedAsync(string pipelineId)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await live.Installation.GetAsync($"/api/v2/pipeline/{pipelineId}/workflow"))["items"]!.AsArray() is [{ } workflow, ..])
                return workflow["id"]!.GetValue<string>();
            await Task.Delay(100);
        }
        throw new TimeoutException($"pipeline {pipelineId} never had a workflow");
    }

    [Fact]
    public async Task The_sign_in_page_shows_the_operators_banner_refuses_a_wrong_token_and_returns_to_the_page_asked_for()
    {
        var wanted = $"/jobs/{Guid.NewGuid()}";
        await Page.GotoAsync(wanted);
        Assert.Contains("/login", Page.Url);
        Assert.Equal(LiveInstallation.LoginBanner, await Page.TextContentAsync("[data-testid=banner]"));
        await _browser.ScreenshotAsync("login");

        await Page.FillAsync("input[name=token]", "not-the-token");
        await Page.ClickAsync("button[type=submit]");
        Assert.Equal("That token is not valid.", await Page.TextContentAsync("[data-testid=error]"));

        await Page.FillAsync("input[name=token]", live.Token);
        await Page.ClickAsync("button[type=submit]");
        await Page.WaitForURLAsync(url => url.EndsWith(wanted), new() { WaitUntil = WaitUntilState.Commit });
        await Page.Locator("text=This job has not been scheduled yet.").WaitForAsync();
        NoScriptErrors();
    }

    [Fact]
    public async Task The_dashboard_and_the_job_page_follow_a_job_to_green_with_its_log_and_no_reload()
    {
        await _browser.SignInAsync(live.Token);
        var first = await live.Installation.TriggerAsync(LiveInstallation.Counting);
        await WaitForPipelineProjectedAsync(first);
        await Page.GotoAsync("/");
        await _browser.MarkDocumentAsync();
        var row = Page.Locator($"[data-testid=pipeline-row][data-pipeline='{first}']");
        await _browser.WaitForAsync(row.Locator("[data-testid=status]:text-is('success')"), 60_000);
        await _browser.ScreenshotAsync("dashboard");
        Assert.Contains(LiveInstallation.Counting, await Page.Locator("table.stats").TextContentAsync());
        Assert.False(await _browser.WasReloadedAsync());

        var second = await live.Installation.TriggerAsync(LiveInstallation.Counting);
        var (jobId, _) = await live.JobAsync(second, "count");
        await Page.GotoAsync($"/jobs/{jobId}");
        await _browser.MarkDocumentAsync();
        var lastLine = Page.Locator(".line .text").Filter(new() { HasTextRegex = new Regex($"^line {LiveInstallation.CountedLines}$") });
        await _browser.WaitForAsync(lastLine, 60_000);
        await _browser.WaitForAsync(Page.Locator("h1 [data-testid=status]:text-is('success')"), 60_000);
        await _browser.ScreenshotAsync("job");

        Assert.False(await _browser.WasReloadedAsync());
        var countLog = Page.Locator("details.step:has(summary:has-text('Count')) .log .line");
        var numbers = await countLog.Locator(".number").AllTextContentsAsync();
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => n.ToString()), numbers);
        Assert.Equal(LiveInstallation.CountedLines, (await countLog.Locator(".text:has-text('line ')").AllTextContentsAsync()).Count);
        // The escape codes became colour, not text.
        Assert.Equal("line", await countLog.Last.Locator("span.fg-32").TextContentAsync());
        NoScriptErrors();
    }

    [Fact]
    public async Task The_job_page_links_its_artifacts_and_lists_failed_tests_first_as_the_job_stores_them()
    {
        await _browser.SignInAsync(live.Token);
        var pipelineId = await live.Installation.TriggerAsync(LiveInstallation.Reported);
        var (jobId, number) = await live.JobAsync(pipelineId, "report");
        // Opened while the job runs (its first step sleeps): what it stores later must appear without a reload.
        await Page.GotoAsync($"/jobs/{jobId}");
        await _browser.MarkDocumentAsync();
        await _browser.WaitForAsync(Page.Locator("h1 [data-testid=status]:text-is('success')"), 90_000);
        var links = Page.Locator("[data-testid=artifact] a");
        await _browser.WaitForAsync(links.Nth(1), 30_000);
        var tests = Page.Locator("[data-testid=test]");
        await _browser.WaitForAsync(tests.Nth(2), 30_000);
        await _browser.ScreenshotAsync("job-artifacts-tests");
        Assert.False(await _browser.WasReloadedAsync());

        var listed = (await live.Installation.GetAsync($"/api/v2/project/{LiveInstallation.Reported}/{number}/artifacts"))["items"]!.AsArray();
        Assert.Equal(listed.Select(a => a!["url"]!.GetValue<string>()).Order(), (await links.EvaluateAllAsync<string[]>("links => links.map(a => a.href)")).Order());
        Assert.Equal(listed.Select(a => a!["path"]!.GetValue<string>()).Order(), (await links.AllTextContentsAsync()).Order());
        var coverage = links.Filter(new() { HasTextRegex = new Regex("coverage\\.txt$") });
        // The link works with the browser's session, as a click would.
        var download = await Page.APIRequest.GetAsync((await coverage.GetAttributeAsync("href"))!);
        Assert.Equal(200, download.Status);
        Assert.Equal("coverage 91%\n", await download.TextAsync());

        Assert.Equal(["failure", "skipped", "success"], await tests.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.result)"));
        Assert.Equal(["divides", "skips", "adds"], await tests.Locator("td:nth-child(2)").AllTextContentsAsync());
        Assert.Equal("3 tests, 1 failed", await Page.TextContentAsync("[data-testid=test-summary]"));
        NoScriptErrors();
    }

    [Fact]
    public async Task Approving_a_hold_on_the_pipeline_page_runs_what_it_gated()
    {
        await _browser.SignInAsync(live.Token);
        var pipelineId = await live.Installation.TriggerAsync(LiveInstallation.Gated);
        await Page.GotoAsync($"/pipelines/{pipelineId}");
        await _browser.MarkDocumentAsync();
        var approve = Page.Locator("[data-testid=approve]");
        await _browser.WaitForAsync(approve, 60_000);
        Assert.Equal("blocked", await Page.GetAttributeAsync("[data-testid=job-node][data-job=deploy]", "data-status"));
        await _browser.ScreenshotAsync("pipeline-on-hold");

        await approve.ClickAsync();
        await _browser.WaitForAsync(Page.Locator("[data-testid=job-node][data-job=deploy][data-status=success]"), 60_000);
        await Page.Locator("section.workflow h2 [data-testid=status]:text-is('success')").WaitForAsync();
        await _browser.ScreenshotAsync("pipeline");
        Assert.False(await _browser.WasReloadedAsync());
        NoScriptErrors();
    }

    [Fact]
    public async Task Canceling_a_running_job_from_its_page_shows_it_canceled()
    {
        await _browser.SignInAsync(live.Token);
        var pipelineId = await live.Installation.TriggerAsync(LiveInstallation.Sleepy);
        var (jobId, _) = await live.JobAsync(pipelineId, "nap");
        await Page.GotoAsync($"/jobs/{jobId}");
        await _browser.MarkDocumentAsync();
        await _browser.WaitForAsync(Page.Locator(".line .text").Filter(new() { HasTextRegex = new Regex("^napping$") }), 60_000);

        await Page.ClickAsync("[data-testid=cancel-job]");
        await _browser.WaitForAsync(Page.Locator("h1 [data-testid=status]:text-is('canceled')"), 30_000);
        await _browser.ScreenshotAsync("job-canceled");
        Assert.False(await _browser.WasReloadedAsync());
        Assert.Equal(0, await Page.Locator("[data-testid=cancel-job]").CountAsync());
        NoScriptErrors();
    }

    [Fact]
    public async Task Insights_give_circleci_shaped_metrics_and_the_page_charts_them_and_adds_a_finished_run_live()
    {
        await live.Installation.WaitForPipelineAsync(await live.Installation.TriggerAsync(LiveInstallation.Counting), TimeSpan.FromSeconds(90));
        var slug = LiveInstallation.Counting;
        var summary = await live.Installation.GetAsync($"/api/v2/insights/{slug}/workflows");
        Assert.Null(summary["next_page_token"]);
        var main = summary["items"]!.AsArray().Single()!;
        Assert.Equal("main", main["name"]!.GetValue<string>());
        var metrics = main["metrics"]!;
        var runs = metrics["total_runs"]!.GetValue<int>();
        Assert.True(runs >= 1);
        Assert.Equal(runs, metrics["successful_runs"]!.GetValue<int>());
        Assert.Equal(0, metrics["failed_runs"]!.GetValue<int>());
        Assert.Equal(1.0, metrics["success_rate"]!.GetValue<double>());
        Assert.Equal(0, metrics["total_credits_used"]!.GetValue<long>());
        var durations = metrics["duration_metrics"]!;
        Assert.True(durations["min"]!.GetValue<long>() <= durations["median"]!.GetValue<long>());
        Assert.True(durations["median"]!.GetValue<long>() <= durations["p95"]!.GetValue<long>());
        Assert.True(durations["p95"]!.GetValue<long>() <= durations["max"]!.GetValue<long>());
        var recent = (await live.Installation.GetAsync($"/api/v2/insights/{slug}/workflows/main"))["items"]!.AsArray();
        Assert.Equal(runs, recent.Count);
        // 200 lines 20 ms apart: no run is shorter than four seconds.
        Assert.All(recent, run => Assert.True(run!["duration"]!.GetValue<long>() >= 4, run.ToJsonString()));
        var jobs = (await live.Installation.GetAsync($"/api/v2/insights/{slug}/workflows/main/jobs"))["items"]!.AsArray();
        Assert.Equal("count", jobs.Single()!["name"]!.GetValue<string>());
        Assert.Equal(runs, jobs.Single()!["metrics"]!["total_runs"]!.GetValue<int>());

        await _browser.SignInAsync(live.Token);
        await Page.GotoAsync($"/insights/{slug}");
        await _browser.MarkDocumentAsync();
        var bars = Page.Locator("[data-testid=insight][data-workflow=main] svg.trend rect");
        await _browser.WaitForAsync(bars.Nth(runs - 1));
        Assert.Equal("100%", await Page.TextContentAsync("[data-testid=success-rate]"));
        await _browser.ScreenshotAsync("insights");

        await live.Installation.WaitForPipelineAsync(await live.Installation.TriggerAsync(LiveInstallation.Counting), TimeSpan.FromSeconds(90));
        await _browser.WaitForAsync(bars.Nth(runs));
        Assert.False(await _browser.WasReloadedAsync());
        NoScriptErrors();
    }
}
