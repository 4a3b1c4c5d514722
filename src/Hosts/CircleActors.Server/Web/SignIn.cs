using System.Security.Claims;
using System.Text.Encodings.Web;
using CircleActors.Server.Api;
using CircleActors.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace CircleActors.Server.Web;

/// <summary>
/// Who may see the pages and the event hub: a browser signed in with the admin token (a cookie
/// session), or a client sending an API token in the <c>Circle-Token</c> header. Until users
/// exist the admin token is the only credential.
/// </summary>
public static class SignIn
{
    /// <summary>The hub: a session cookie or an API token.</summary>
    public const string Policy = "signed-in";
    /// <summary>Pages: a session cookie; anyone else is sent to the sign-in page.</summary>
    public const string PagePolicy = "signed-in-page";
    public const string TokenScheme = "circle-token";

    public static void AddSignIn(this IServiceCollection services, string dataDirectory, string adminToken)
    {
        // Session cookies stay valid across restarts: their keys live in the data directory.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "session-keys")));
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.LoginPath = "/login";
                cookie.Cookie.Name = "circleactors-session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
                cookie.SlidingExpiration = true;
            })
            .AddScheme<AuthenticationSchemeOptions, TokenHandler>(TokenScheme, _ => { });
        services.AddSingleton(new AdminCredential(adminToken));
        services.AddAuthorization(authorization =>
        {
            authorization.AddPolicy(Policy, policy => policy
                .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme, TokenScheme)
                .RequireAuthenticatedUser());
            authorization.AddPolicy(PagePolicy, policy => policy
                .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser());
        });
    }

    public static ClaimsPrincipal Admin(string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin")], scheme));

    public sealed record AdminCredential(string Token);

    private sealed class TokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminCredential admin)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var token = Request.Headers[ApiAuthentication.HeaderName].FirstOrDefault();
            if (token is null) return Task.FromResult(AuthenticateResult.NoResult());
            return Task.FromResult(AdminToken.Matches(token, admin.Token)
                ? AuthenticateResult.Success(new AuthenticationTicket(Admin(Scheme.Name), Scheme.Name))
                : AuthenticateResult.Fail("the token is not valid"));
        }
    }
}
