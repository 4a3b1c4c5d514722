using CircleActors.Actors.Metrics;

namespace CircleActors.Server.Metrics;

/// <summary>Counts every HTTP request answered, by status code (<c>circle.http.request</c>).</summary>
public static class HttpRequestCounting
{
    public static IApplicationBuilder UseHttpRequestCounting(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        finally
        {
            CircleMeter.HttpRequests.Add(1, new KeyValuePair<string, object?>("status", context.Response.StatusCode));
        }
    });
}
