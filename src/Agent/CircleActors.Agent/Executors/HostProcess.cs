using System.Diagnostics;

namespace CircleActors.Agent.Executors;

/// <summary>Runs a process on the agent's host, streaming its output as lines; used by the machine executor and checkout.</summary>
internal static class HostProcess
{
    // After a kill, how long to wait for the output pipes: a detached grandchild may hold them open.
    private static readonly TimeSpan DrainAfterKill = TimeSpan.FromSeconds(1);

    /// <param name="environment">Variables to set; null values remove a variable.</param>
    /// <param name="inheritEnvironment">Start from the agent's own environment, or from an empty one.</param>
    /// <exception cref="OperationCanceledException">Canceled; the process tree was killed.</exception>
    /// <exception cref="ExecutorException">The program could not be started.</exception>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> argv,
        IEnumerable<KeyValuePair<string, string?>> environment,
        bool inheritEnvironment,
        string workingDirectory,
        Action<string> output,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in argv.Skip(1)) start.ArgumentList.Add(argument);
        if (!inheritEnvironment) start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new ExecutorException($"cannot start {argv[0]}: {ex.Message}", ex);
        }
        // Steps get no input: a command that reads stdin sees end of file instead of hanging.
        process.StandardInput.Close();

        var gate = new object();
        var returned = false;
        // Serializes the two pumps, and silences a pump still draining after a kill once we return.
        void Emit(string text) { lock (gate) if (!returned) output(text); }
        var stdout = PumpAsync(process.StandardOutput.BaseStream, Emit);
        var stderr = PumpAsync(process.StandardError.BaseStream, Emit);
        var pumps = Task.WhenAll(stdout, stderr);

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await pumps.WaitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already exited */ }
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(DrainAfterKill).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await pumps.WaitAsync(DrainAfterKill).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }
        finally
        {
            lock (gate) returned = true;
        }
    }

    private static async Task PumpAsync(Stream stream, Action<string> emit)
    {
        var lines = new LineAssembler(emit);
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                lines.Write(buffer.AsSpan(0, read));
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe closed under us after a kill; what was read is flushed below.
        }
        lines.Flush();
    }
}
