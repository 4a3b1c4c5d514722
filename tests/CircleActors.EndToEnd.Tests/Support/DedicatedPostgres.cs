using System.Diagnostics;

namespace CircleActors.EndToEnd.Tests.Support;

/// <summary>
/// A PostgreSQL server of the test's own (initdb + pg_ctl on a free port), so the test can stop
/// and start it without touching the shared one other tests use. Run as the <c>postgres</c> user
/// when the test runs as root, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private const string Database = "circleactors";

    private readonly string _base = Directory.CreateTempSubdirectory("ca-e2e-pg-").FullName;
    public int Port { get; } = Installation.FreePort();
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database={Database};Username=postgres";
    private string DataDirectory => Path.Combine(_base, "data");

    public static async Task<DedicatedPostgres> CreateAsync()
    {
        var server = new DedicatedPostgres();
        if (IsRoot) await RunAsync("chown", "postgres:postgres", server._base);
        await server.AsOwnerAsync(Path.Combine(Bin, "initdb"), "-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8");
        await server.StartAsync();
        await server.AsOwnerAsync(Path.Combine(Bin, "createdb"), "-h", "127.0.0.1", "-p", server.Port.ToString(), "-U", "postgres", Database);
        return server;
    }

    /// <summary>Starts the server (again: the same port and data); returns once it takes connections.</summary>
    public Task StartAsync() => AsOwnerAsync(Path.Combine(Bin, "pg_ctl"), "-D", DataDirectory, "-l", Path.Combine(_base, "log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_base} -c listen_addresses=127.0.0.1", "start");

    /// <summary>An outage as a crash makes it: every connection dropped at once, no clean shutdown.</summary>
    public Task StopAsync() => AsOwnerAsync(Path.Combine(Bin, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch (InvalidOperationException) { /* already stopped */ }
        try { Directory.Delete(_base, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task AsOwnerAsync(string program, params string[] arguments) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stdout}{await stderr}");
    }
}
