using CircleActors.Server.Health;
using Microsoft.AspNetCore.Http.Timeouts;

namespace CircleActors.Server.Api;

/// <summary>
/// Keeps API and webhook requests from hanging on a journal that does not answer: writes are
/// refused at once while the journal is known to be down, and any request still unanswered at
/// <see cref="Deadline"/> (the outage began while it waited) gets 503 with the reason. Both
/// answers change nothing the client was told about, so it may simply send the request again.
/// </summary>
public sealed class JournalWriteGate(JournalAvailability availability) : IEndpointFilter
{
    /// <summary>Long enough for two attempts of a command (an entity recovering or moving), short enough not to hang.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public const string TimeoutPolicy = "journal-deadline";

    /// <summary>Marks a write that changes only soft state (the scheduler's, the cluster's), so it works while the journal is down.</summary>
    public sealed class WritesNoJournal;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) &&
            http.GetEndpoint()?.Metadata.GetMetadata<WritesNoJournal>() is null &&
            availability.UnavailableCause is { } cause)
            return ApiErrors.Unavailable(JournalDown(cause));
        return await next(context);
    }

    public static string JournalDown(string cause) => $"the event journal is unavailable: {cause}";

    /// <summary>The request-timeout policy behind <see cref="Deadline"/>, answering as the gate does.</summary>
    public static void AddPolicy(RequestTimeoutOptions options) => options.AddPolicy(TimeoutPolicy, new RequestTimeoutPolicy
    {
        Timeout = Deadline,
        TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
        WriteTimeoutResponse = context =>
        {
            var cause = context.RequestServices.GetRequiredService<JournalAvailability>().UnavailableCause;
            return ApiErrors.Unavailable(cause is null
                ? $"the server could not complete the request within {Deadline.TotalSeconds:0} s; try again"
                : JournalDown(cause)).ExecuteAsync(context);
        },
    });
}

public static class JournalWriteGateEndpoints
{
    /// <summary>Lets the endpoint's writes through while the journal is down: an operator drains nodes or downs members during an outage.</summary>
    public static RouteHandlerBuilder WithoutJournal(this RouteHandlerBuilder endpoint) => endpoint.WithMetadata(new JournalWriteGate.WritesNoJournal());
}
