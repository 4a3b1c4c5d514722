using CircleActors.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace CircleActors.EndToEnd.Tests;

/// <summary><c>circleactors server --tls-cert --tls-key</c> with a certificate from a CA made in the test, and the CLI talking to it.</summary>
public sealed class TlsSpecs(ITestOutputHelper output)
{
    [Fact]
    public async Task The_server_serves_https_with_the_operators_certificate_and_ops_trusts_it_only_with_the_ca_given()
    {
        using var certificates = new TestCertificates();
        await using var installation = await Installation.StartAsync(output, Journals.Sqlite, tls: certificates);
        Assert.StartsWith("https://", installation.BaseUrl);

        var nodes = await OpsCli.UntilAsync(installation, ["node", "status", "--ca-cert", certificates.CaCertificateFile],
            t => t.Contains(installation.AgentName), "the agent never showed over https");
        Assert.StartsWith("ID", nodes);
        Assert.Contains("ready", nodes);

        var (exit, refusal) = await OpsCli.RunAsync(installation, "node", "status");
        Assert.Equal(1, exit);
        Assert.Contains($"error: no trusted TLS connection to {installation.BaseUrl}/", refusal);
        Assert.Contains("--ca-cert", refusal);
        Assert.DoesNotContain(installation.AgentName, refusal);

        // Plain HTTP on the same port gets no answer: the port speaks TLS only.
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{installation.HttpPort}/api/v2/admin/nodes"));
    }

    [Fact]
    public async Task A_server_refuses_to_start_when_the_address_and_the_tls_files_disagree()
    {
        using var certificates = new TestCertificates();
        var data = Directory.CreateTempSubdirectory("ca-e2e-tls-data-").FullName;
        try
        {
            await using var withoutFiles = NodeProcess.Start(["server", "--data-dir", data, "--http", "https://127.0.0.1:0", "--no-agent"]);
            Assert.True(await withoutFiles.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the server started on https without a certificate");
            Assert.Equal(1, withoutFiles.ExitCode);
            Assert.Contains("give --tls-cert and --tls-key", withoutFiles.Output);

            await using var plainAddress = NodeProcess.Start(["server", "--data-dir", data, "--http", "http://127.0.0.1:0", "--no-agent",
                "--tls-cert", certificates.ServerCertificateFile, "--tls-key", certificates.ServerKeyFile]);
            Assert.True(await plainAddress.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the server served plain http with TLS files given");
            Assert.Equal(1, plainAddress.ExitCode);
            Assert.Contains("give --http an https:// address", plainAddress.Output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
