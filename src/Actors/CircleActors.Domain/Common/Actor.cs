namespace CircleActors.Domain.Common;

/// <summary>Who caused an event, as the audit log names it.</summary>
public sealed record Actor(string Id, string Type, string? Name = null)
{
    /// <summary>The server itself (a webhook, a timer, a recovery).</summary>
    public static readonly Actor System = new("system", "system");

    public static Actor Admin => new("admin", "user", "admin");
}
