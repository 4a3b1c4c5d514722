using Microsoft.Playwright;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>
/// Headless Debian Chromium driven by Playwright (the Playwright browser download cannot run
/// here). Collects the page's console errors so a broken script fails the test with its message,
/// and saves screenshots under <c>artifacts/ui/</c> at the repository root.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _errors = new();

    public IPage Page { get; }
    public Uri Server { get; }

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page, Uri server)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        Server = server;
        // Failed resources are the tests' own doing (a refused sign-in answers 401); script errors are not.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource")) lock (_errors) _errors.Add(message.Text);
        };
        page.PageError += (_, error) => { lock (_errors) _errors.Add(error); };
    }

    public static async Task<BrowserSession> StartAsync(Uri server)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        return new BrowserSession(playwright, browser, await context.NewPageAsync(), server);
    }

    /// <summary>Signs in through the sign-in page with <paramref name="token"/>.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.GotoAsync("/login");
        await Page.FillAsync("input[name=token]", token);
        await Page.ClickAsync("button[type=submit]");
        // Commit, not the default "load": once, with the address already past /login, the wait
        // for the load event timed out after 30 s though the page had gone network-idle (so it
        // had loaded before the wait listened). Every step after this waits for what it reads.
        await Page.WaitForURLAsync(url => !url.Contains("/login"), new() { WaitUntil = WaitUntilState.Commit });
    }

    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) return _errors.ToList(); }
    }

    /// <summary>Marks the loaded document; <see cref="WasReloadedAsync"/> tells whether it was replaced since.</summary>
    public Task MarkDocumentAsync() => Page.EvaluateAsync("() => window.__notReloaded = true");

    public async Task<bool> WasReloadedAsync() => !await Page.EvaluateAsync<bool>("() => window.__notReloaded === true");

    /// <summary>Waits for <paramref name="locator"/>; a timeout says what the page showed and the script errors.</summary>
    public async Task WaitForAsync(ILocator locator, int timeoutMs = 60_000)
    {
        try
        {
            await locator.WaitForAsync(new() { Timeout = timeoutMs });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nscript errors: {string.Join("\n", Errors)}\npage text:\n{await Page.InnerTextAsync("body")}", ex);
        }
    }

    public async Task ScreenshotAsync(string name)
    {
        var directory = Path.Combine(RepositoryRoot(), "artifacts", "ui");
        Directory.CreateDirectory(directory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CircleActors.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("the tests do not run inside the repository");
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
