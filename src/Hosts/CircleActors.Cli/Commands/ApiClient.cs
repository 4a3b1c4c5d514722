using System.Net.Http.Json;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CircleActors.Cli.Commands;

/// <summary>The CLI's view of a running server's API, authenticated with an API token.</summary>
/// <param name="trustedRoot">
/// A CA (or the server's own self-signed certificate) to trust for an https:// server besides the
/// system's roots: an installation's certificate is often signed by the organisation's own CA.
/// </param>
public sealed class ApiClient(Uri server, string token, X509Certificate2? trustedRoot = null) : IDisposable
{
    private readonly HttpClient _http = new(Handler(trustedRoot)) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The handler of every connection to the server, the event hub's included.</summary>
    public static SocketsHttpHandler Handler(X509Certificate2? trustedRoot)
    {
        var handler = new SocketsHttpHandler();
        if (trustedRoot is not null)
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { trustedRoot },
                // A private CA rarely publishes revocation lists a client could reach.
                RevocationMode = X509RevocationMode.NoCheck,
            };
        return handler;
    }

    public X509Certificate2? TrustedRoot => trustedRoot;

    /// <summary>The certificate in a PEM (or DER) file given with --ca-cert.</summary>
    public static X509Certificate2? LoadTrustedRoot(string? file)
    {
        if (string.IsNullOrWhiteSpace(file)) return null;
        if (!File.Exists(file)) throw new ArgumentException($"--ca-cert {file} not found");
        try { return X509CertificateLoader.LoadCertificateFromFile(file); }
        catch (System.Security.Cryptography.CryptographicException ex) { throw new ArgumentException($"--ca-cert {file} is not a certificate: {ex.Message}", ex); }
    }

    public Uri Server => server;

    /// <summary>For connections that are not plain requests (the event hub).</summary>
    public string Token => token;

    /// <summary>The token from --token, else CIRCLE_TOKEN, else the admin token file in the data directory.</summary>
    public static string ResolveToken(string? token, string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(token)) return token;
        if (Environment.GetEnvironmentVariable("CIRCLE_TOKEN") is { Length: > 0 } fromEnvironment) return fromEnvironment;
        var path = Path.Combine(dataDirectory, "admin.token");
        return File.Exists(path)
            ? File.ReadAllText(path).Trim()
            : throw new InvalidOperationException($"no API token: give --token, set CIRCLE_TOKEN, or point --data-dir at the server's data directory ({path} not found)");
    }

    public async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body = null, CancellationToken ct = default)
    {
        var text = await SendForTextAsync(method, path, body, ct);
        return JsonNode.Parse(text) ?? throw new InvalidOperationException($"{path} answered with no JSON");
    }

    public async Task<string> SendForTextAsync(HttpMethod method, string path, object? body = null, CancellationToken ct = default)
    {
        var (status, text) = await SendForAnyStatusAsync(method, path, body, ct);
        if ((int)status is < 200 or > 299)
        {
            var message = TryMessage(text) ?? text;
            throw new ApiException($"{(int)status} {status}: {message}");
        }
        return text;
    }

    /// <summary>The answer whatever its status (health checks answer 500 with a body worth reading).</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Text)> SendForAnyStatusAsync(HttpMethod method, string path, object? body = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Circle-Token", token);
        if (body is not null) request.Content = JsonContent.Create(body, options: new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException refusal)
        {
            throw new ApiException($"no trusted TLS connection to {server}: {refusal.Message} Give the CA that signed the server's certificate "
                + "with --ca-cert FILE (or CIRCLEACTORS_CA_CERT).");
        }
        using (response) return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static string? TryMessage(string text)
    {
        try { return JsonNode.Parse(text)?["message"]?.GetValue<string>(); }
        catch (JsonException) { return null; }
    }

    public void Dispose() => _http.Dispose();
}

public sealed class ApiException(string message) : Exception(message);
