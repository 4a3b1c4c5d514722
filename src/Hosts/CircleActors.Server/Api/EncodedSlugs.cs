namespace CircleActors.Server.Api;

/// <summary>
/// CircleCI's clients send a project slug as one URL-encoded segment (<c>gh%2Facme%2Fapp</c>).
/// Kestrel leaves an encoded slash encoded, so such paths are rewritten to the slug's three
/// segments before routing.
/// </summary>
public static class EncodedSlugs
{
    private static readonly string[] SlugPrefixes = ["/api/v2/project/", "/api/v2/insights/"];

    public static IApplicationBuilder UseEncodedSlugs(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var path = context.Request.Path.Value;
        if (path is not null && path.Contains("%2F", StringComparison.OrdinalIgnoreCase)
            && SlugPrefixes.Any(prefix => path.StartsWith(prefix, StringComparison.Ordinal)))
            context.Request.Path = new PathString(path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase));
        return next(context);
    });
}
