using Akka.Actor;
using CircleActors.Domain.Common;

namespace CircleActors.Actors.Common;

/// <summary>
/// At-least-once delivery of an idempotent command between entities: ask, and ask again after
/// a timeout, until the target answers. The target's idempotence makes the repeats harmless.
/// </summary>
public static class Reliably
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    public static async Task<object> AskAsync(ICanTell target, object command, CancellationToken ct = default, int maxAttempts = 60,
        TimeSpan? attemptTimeout = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await target.Ask<object>(command, attemptTimeout ?? AttemptTimeout, ct);
            }
            catch (AskTimeoutException) when (attempt < maxAttempts)
            {
                // The target may be recovering or moving to another node: try again.
            }
        }
    }

    /// <summary>Asks until the reply is not a rejection; a rejection is thrown as <see cref="CommandRejectedException"/>.</summary>
    public static async Task<T> AskForAsync<T>(ICanTell target, object command, CancellationToken ct = default)
    {
        var reply = await AskAsync(target, command, ct);
        return reply switch
        {
            T expected => expected,
            Rejected rejected => throw new CommandRejectedException(rejected),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to {command.GetType().Name}"),
        };
    }
}

public sealed class CommandRejectedException(Rejected rejected) : Exception(rejected.Reason)
{
    public Rejected Rejected { get; } = rejected;
}
