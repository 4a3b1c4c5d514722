using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CircleActors.Agent.Tests;

internal static class FreePorts
{
    /// <summary>A port on 127.0.0.1 nothing listens on right now.</summary>
    public static int Next()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>Waits (generously: the machine is loaded) until something accepts connections on the port.</summary>
    public static async Task WaitForListenerAsync(int port, Func<string> diagnostics)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException($"nothing listens on 127.0.0.1:{port} after 30 s: {ex.Message}\n{diagnostics()}");
            }
        }
    }
}

/// <summary>
/// A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 and a free port, letting in
/// only the given public keys as root, so git reaches a local repository as
/// <c>ssh://root@127.0.0.1:port/path</c>. Killed on dispose.
/// </summary>
internal sealed class SshGitServer : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("circleactors-sshd-");
    private readonly Process process;
    private readonly StringBuilder log = new();

    private SshGitServer(IEnumerable<string> authorizedPublicKeys)
    {
        if (!File.Exists(Sshd)) throw new InvalidOperationException($"{Sshd} is missing: run scripts/install-prerequisites.sh (openssh-server)");
        // sshd refuses to start without its privilege separation directory.
        Directory.CreateDirectory("/run/sshd");
        var hostKey = Path.Combine(directory.FullName, "host_key");
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
        var authorizedKeys = Path.Combine(directory.FullName, "authorized_keys");
        File.WriteAllLines(authorizedKeys, authorizedPublicKeys);
        Port = FreePorts.Next();
        var config = Path.Combine(directory.FullName, "sshd_config");
        File.WriteAllLines(config,
        [
            $"Port {Port}", "ListenAddress 127.0.0.1", $"HostKey {hostKey}", $"AuthorizedKeysFile {authorizedKeys}",
            $"PidFile {Path.Combine(directory.FullName, "sshd.pid")}", "PermitRootLogin prohibit-password", "AllowUsers root",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
            // The temporary directory is not laid out the way StrictModes wants a home to be.
            "StrictModes no", "LogLevel VERBOSE",
        ]);
        var start = new ProcessStartInfo(Sshd) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-D", "-e", "-f", config }) start.ArgumentList.Add(argument);
        process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
    }

    public static async Task<SshGitServer> StartAsync(params string[] authorizedPublicKeys)
    {
        var server = new SshGitServer(authorizedPublicKeys);
        try
        {
            await FreePorts.WaitForListenerAsync(server.Port, () => server.Log);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public int Port { get; }

    public string Log
    {
        get { lock (log) return log.ToString(); }
    }

    public string UrlOf(string repositoryDirectory) => $"ssh://root@127.0.0.1:{Port}{repositoryDirectory}";

    public void Dispose()
    {
        try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        process.WaitForExit(10_000);
        process.Dispose();
        directory.Delete(recursive: true);
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var started = Process.Start(start)!;
        var error = started.StandardError.ReadToEnd();
        started.WaitForExit();
        if (started.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {error}");
    }
}

/// <summary>
/// Git's smart HTTP protocol on 127.0.0.1: <c>git http-backend</c> run as CGI behind an
/// <see cref="HttpListener"/> that demands Basic credentials (the user and the token) and answers
/// 401 otherwise. Serves the repositories under one directory as <c>/name</c>.
/// </summary>
internal sealed class HttpGitServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly string root;
    private readonly string expectedAuthorization;
    private int refused;

    public HttpGitServer(string root, string username, string token)
    {
        this.root = root;
        expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{token}"));
        Port = FreePorts.Next();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _ = ServeAsync();
    }

    public int Port { get; }

    /// <summary>Requests answered 401 (no or wrong credentials).</summary>
    public int Refused => Volatile.Read(ref refused);

    public string UrlOf(string repositoryName) => $"http://127.0.0.1:{Port}/{repositoryName}";

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            if (context.Request.Headers["Authorization"] != expectedAuthorization)
            {
                Interlocked.Increment(ref refused);
                context.Response.StatusCode = 401;
                context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"git\"");
                return;
            }
            await CgiAsync(context);
        }
        catch (Exception ex)
        {
            context.Response.StatusCode = 500;
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(ex.Message));
        }
        finally
        {
            context.Response.Close();
        }
    }

    private async Task CgiAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var start = new ProcessStartInfo("git") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("http-backend");
        start.Environment["GIT_PROJECT_ROOT"] = root;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["REQUEST_METHOD"] = request.HttpMethod;
        start.Environment["PATH_INFO"] = request.Url!.AbsolutePath;
        start.Environment["QUERY_STRING"] = request.Url.Query.TrimStart('?');
        start.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
        start.Environment["REMOTE_USER"] = "tester";
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        if (request.Headers["Content-Encoding"] is { } encoding) start.Environment["HTTP_CONTENT_ENCODING"] = encoding;
        if (request.Headers["Git-Protocol"] is { } protocol) start.Environment["GIT_PROTOCOL"] = protocol;
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var reply = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(reply);
        await request.InputStream.CopyToAsync(process.StandardInput.BaseStream);
        process.StandardInput.Close();
        await reading;
        await process.WaitForExitAsync();
        await errors;

        // CGI: header lines, a blank line, then the body.
        var bytes = reply.ToArray();
        var (headerEnd, separator) = FindHeaderEnd(bytes);
        foreach (var line in Encoding.ASCII.GetString(bytes, 0, headerEnd).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':');
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase)) context.Response.StatusCode = int.Parse(value.Split(' ')[0]);
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) context.Response.ContentType = value;
            else context.Response.AddHeader(name, value);
        }
        await context.Response.OutputStream.WriteAsync(bytes.AsMemory(headerEnd + separator));
    }

    private static (int End, int Separator) FindHeaderEnd(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length - 1; i++)
        {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n') return (i, 2);
            if (i < bytes.Length - 3 && bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') return (i, 4);
        }
        throw new InvalidOperationException("git http-backend wrote no header end");
    }

    public void Dispose() => listener.Close();
}
