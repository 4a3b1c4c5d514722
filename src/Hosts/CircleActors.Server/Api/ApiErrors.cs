using CircleActors.Actors.Common;
using CircleActors.Domain.Common;

namespace CircleActors.Server.Api;

/// <summary>Errors the way CircleCI's API gives them: a status code and <c>{"message": "..."}</c>.</summary>
public static class ApiErrors
{
    public static IResult Message(int status, string message) => Results.Json(new { message }, statusCode: status);

    public static IResult BadRequest(string message) => Message(StatusCodes.Status400BadRequest, message);

    public static IResult NotFound(string message) => Message(StatusCodes.Status404NotFound, message);

    /// <summary>How long a client should wait before it tries again after a 503.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>503 with the reason and <c>Retry-After</c>: the request changed nothing and may be sent again.</summary>
    public static IResult Unavailable(string reason) => new UnavailableResult(reason);

    private sealed class UnavailableResult(string reason) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Message(StatusCodes.Status503ServiceUnavailable, reason).ExecuteAsync(context);
        }
    }

    public static IResult From(Rejected rejected) => rejected.Kind switch
    {
        RejectionKind.NotFound => NotFound(rejected.Reason),
        RejectionKind.Conflict => Message(StatusCodes.Status409Conflict, rejected.Reason),
        _ => BadRequest(rejected.Reason),
    };

    /// <summary>
    /// Runs a command-backed request, turning rejections into 4xx and an unanswered command
    /// (the journal unavailable, a node lost) into 503 with the reason instead of a hang.
    /// </summary>
    public static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (CommandRejectedException rejected)
        {
            return From(rejected.Rejected);
        }
        catch (Akka.Actor.AskTimeoutException)
        {
            return Unavailable("the server could not complete the request in time; try again");
        }
    }
}
