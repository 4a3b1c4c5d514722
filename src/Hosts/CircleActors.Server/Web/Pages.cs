using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using CircleActors.Actors.Projections;
using CircleActors.Server.Hosting;
using CircleActors.Server.Live;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace CircleActors.Server.Web;

/// <summary>
/// The web UI: small server-made pages whose content is drawn and kept current in the browser
/// from <c>/hubs/events</c> (Web/Assets/app.js), and the sign-in page. Actions (approve, cancel,
/// rerun) are the REST API's, called with the session cookie.
/// </summary>
public static class Pages
{
    public static void MapPages(this WebApplication app)
    {
        app.MapGet("/login", (string? returnUrl, ServerOptions options) => LoginPage(options.LoginBanner, returnUrl, null)).AllowAnonymous();
        app.MapPost("/login", SignInAsync).AllowAnonymous();
        app.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        });
        // The scripts and styles are public, like the sign-in page that uses them.
        app.MapGet("/ui/{name}", Asset).AllowAnonymous();

        var pages = app.MapGroup("").RequireAuthorization(SignIn.PagePolicy);
        pages.MapGet("/", async (ReadDocuments documents) => Page("Dashboard", "dashboard",
            ("projects", JsonSerializer.Serialize(await documents.ProjectsAsync(DocumentProjection.PipelineKind))), ("id", "")));
        pages.MapGet("/pipelines/{id:guid}", (Guid id) => Page("Pipeline", "pipeline", ("id", id.ToString())));
        pages.MapGet("/jobs/{id:guid}", (Guid id) => Page("Job", "job", ("id", id.ToString())));
        pages.MapGet("/insights/{vcs}/{org}/{repo}", (string vcs, string org, string repo) =>
            Domain.Common.ProjectSlug.TryParse($"{vcs}/{org}/{repo}", out var slug) ? Page("Insights", "insights", ("id", slug.Value)) : Results.NotFound());
    }

    private static async Task<IResult> SignInAsync(HttpContext context, SignIn.AdminCredential admin, ServerOptions options)
    {
        var form = await context.Request.ReadFormAsync();
        var returnUrl = form["returnUrl"].FirstOrDefault();
        if (!AdminToken.Matches(form["token"].FirstOrDefault()?.Trim(), admin.Token))
            return LoginPage(options.LoginBanner, returnUrl, "That token is not valid.", StatusCodes.Status401Unauthorized);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, SignIn.Admin(CookieAuthenticationDefaults.AuthenticationScheme));
        // Only back to a page of this site: an absolute return address would make the form an open redirect.
        return Results.Redirect(returnUrl is { Length: > 0 } local && local.StartsWith('/') && !local.StartsWith("//") ? local : "/");
    }

    private static IResult LoginPage(string? banner, string? returnUrl, string? error, int status = StatusCodes.Status200OK)
    {
        var html = HtmlEncoder.Default;
        var body = $"""
            <section class="signin">
              <h1>Sign in to CircleActors</h1>
              {(banner is { Length: > 0 } ? $"<div class=\"banner\" data-testid=\"banner\">{html.Encode(banner)}</div>" : "")}
              {(error is null ? "" : $"<p class=\"error\" data-testid=\"error\">{html.Encode(error)}</p>")}
              <form method="post" action="/login">
                <input type="hidden" name="returnUrl" value="{html.Encode(returnUrl ?? "/")}">
                <label>API token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
                <button type="submit">Sign in</button>
              </form>
              <p class="hint">Until users exist, sign in with the admin token (<code>DATA_DIR/admin.token</code>).</p>
            </section>
            """;
        return Results.Content(Shell("Sign in", body, script: false), "text/html; charset=utf-8", statusCode: status);
    }

    private static IResult Page(string title, string page, params (string Name, string Value)[] data)
    {
        var html = HtmlEncoder.Default;
        var attributes = string.Join(" ", data.Select(d => $"data-{d.Name}=\"{html.Encode(d.Value)}\""));
        var body = $"""<main data-page="{page}" {attributes}><p class="loading">Loading…</p></main>""";
        return Results.Content(Shell(title, body, script: true), "text/html; charset=utf-8");
    }

    private static string Shell(string title, string body, bool script) => $"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{title} · CircleActors</title>
          <link rel="icon" href="data:,">
          <link rel="stylesheet" href="/ui/app.css">
        </head>
        <body>
          <header><a class="brand" href="/">CircleActors</a>{(script ? """<form method="post" action="/logout"><button type="submit">Sign out</button></form>""" : "")}</header>
          {body}
          {(script ? """<script src="/ui/signalr.min.js"></script><script src="/ui/app.js"></script>""" : "")}
        </body>
        </html>
        """;

    private static readonly Dictionary<string, string> ContentTypes = new()
    {
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    private static IResult Asset(string name)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("web/" + name);
        return stream is null || !ContentTypes.TryGetValue(Path.GetExtension(name), out var type)
            ? Results.NotFound()
            : Results.Stream(stream, type);
    }
}
