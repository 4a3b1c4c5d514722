namespace CircleActors.Server.Api;

/// <summary>
/// API tokens as CircleCI takes them: the <c>Circle-Token</c> header or the
/// <c>circle-token</c> query parameter, or the web UI's session. Until users exist, the admin token is the only one.
/// </summary>
public sealed class ApiAuthentication(string adminToken) : IEndpointFilter
{
    public const string HeaderName = "Circle-Token";
    public const string QueryName = "circle-token";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        // A browser signed in to the web UI acts with its session (SameSite=Strict: never from another site).
        if (context.HttpContext.User.Identity?.IsAuthenticated == true) return await next(context);
        var request = context.HttpContext.Request;
        var token = request.Headers[HeaderName].FirstOrDefault() ?? request.Query[QueryName].FirstOrDefault();
        if (!Hosting.AdminToken.Matches(token, adminToken))
            return ApiErrors.Message(StatusCodes.Status401Unauthorized, "You must log in first.");
        return await next(context);
    }
}
