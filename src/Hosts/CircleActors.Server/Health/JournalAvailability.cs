using CircleActors.Actors.Persistence;
using CircleActors.Server.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CircleActors.Server.Health;

/// <summary>
/// Whether the journal's database answered its last probe, and why not. Probed every second, so
/// while the database is down write requests are refused at once with the reason (a persist
/// would only fail, stop its entity and leave the caller waiting) instead of hanging.
/// </summary>
public sealed class JournalAvailability(ServerOptions options, ILogger<JournalAvailability> log) : BackgroundService
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>A database that takes longer than this to answer SELECT 1 counts as unavailable.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private volatile string? _cause;

    /// <summary>Null while the journal answers; otherwise a short cause, safe to show (no connection string).</summary>
    public string? UnavailableCause => _cause;

    /// <summary>One probe now; its outcome becomes <see cref="UnavailableCause"/>.</summary>
    public async Task<HealthCheckResult> ProbeAsync(CancellationToken ct = default)
    {
        var journal = options.EffectiveJournal;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(ProbeTimeout);
        try
        {
            await using var connection = await JournalStorage.OpenAsync(journal, deadline.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException
                                       || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var cause = ex is OperationCanceledException ? $"no answer within {ProbeTimeout.TotalSeconds:0} s" : ShortCause(ex);
            if (_cause is null) log.LogWarning("The event journal is unavailable: {Cause}", cause);
            _cause = cause;
            return HealthCheckResult.Unhealthy($"the event journal is unavailable: {cause}");
        }
        if (_cause is not null) log.LogInformation("The event journal answers again");
        _cause = null;
        return HealthCheckResult.Healthy($"{journal.Provider.ToString().ToLowerInvariant()} journal answers");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ProbeInterval);
        do
        {
            await ProbeAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>The first line of the exception's message with its innermost cause ("Failed to connect to …: Connection refused").</summary>
    public static string ShortCause(Exception ex)
    {
        static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
        var inner = ex;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var message = FirstLine(ex.Message);
        var cause = inner == ex || message.Contains(FirstLine(inner.Message)) ? message : $"{message}: {FirstLine(inner.Message)}";
        return cause.Length > 200 ? cause[..200] : cause;
    }
}
