namespace CircleActors.Domain.Common;

/// <summary>
/// What an aggregate decided about one command: the events to persist (possibly none) and the
/// reply to send once they are durable.
/// </summary>
public sealed record Decision<TEvent>(IReadOnlyList<TEvent> Events, object Reply)
{
    public static Decision<TEvent> Reject(RejectionKind kind, string reason) => new([], new Rejected(kind, reason));
    public static Decision<TEvent> Ignore(object reply) => new([], reply);
}

public enum RejectionKind { NotFound, Conflict, Invalid }

/// <summary>A command that changed nothing, with the reason a caller can show.</summary>
public sealed record Rejected(RejectionKind Kind, string Reason);

/// <summary>A command that took effect (or had already taken effect: commands are idempotent).</summary>
public sealed record Accepted(string? Detail = null)
{
    public static readonly Accepted Instance = new();
}
