using System.Diagnostics;
using System.Text;
using CircleActors.Actors.Projects;
using CircleActors.Agent.Executors.Machine;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Projects;
using static CircleActors.Agent.Tests.Tasks;
using MachineExecutor = CircleActors.Agent.Executors.Machine.MachineExecutor;

namespace CircleActors.Agent.Tests;

/// <summary>
/// Checkout with the project's credentials against a real sshd and a real git HTTP server, and
/// <c>add_ssh_keys</c> writing keys that a later step's ssh uses, on the machine executor.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CheckoutCredentialsSpecs : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(120);

    private readonly DirectoryInfo root = WorkspaceRoots.Create("circleactors-credentials-");
    private readonly MachineExecutor executor;
    private readonly TestRepository repository = new();

    public CheckoutCredentialsSpecs() => executor = new MachineExecutor(new MachineExecutorOptions("credentials-agent", root.FullName));

    public void Dispose()
    {
        repository.Dispose();
        root.Delete(recursive: true);
    }

    private static ProjectEnvironmentProtocol.OpenedSshKey Opened(SshKeyMaterial key, string kind, string? hostname = null) =>
        new(kind, key.Md5Fingerprint, key.Sha256Fingerprint, hostname, key.PrivateKey);

    private async Task<(TaskResult Result, RecordingReporter Reporter)> RunAsync(JobDefinition job, string url, ProjectEnvironmentProtocol.CheckoutCredentials credentials)
    {
        var reporter = new RecordingReporter();
        var runner = new TaskRunner(executor, projectEnvironment: new StaticProjectEnvironment([], credentials));
        var result = await runner.RunAsync(Spec(job, url, repository.Revision), reporter, CancellationToken.None).WaitAsync(TestTimeout);
        return (result, reporter);
    }

    [Fact]
    public async Task A_checkout_over_ssh_authenticates_with_the_checkout_key_and_without_one_fails_saying_what_is_missing()
    {
        var deployKey = SshKeyMaterial.GenerateRsa();
        using var sshd = await SshGitServer.StartAsync(deployKey.PublicKey);
        var url = sshd.UrlOf(repository.Directory);
        var job = MachineJob(new CheckoutStep(), new RunStep("cat hello.txt; git config --get remote.origin.url"));

        var (withKey, reporter) = await RunAsync(job, url, new(null, Opened(deployKey, SshKeyKinds.DeployKey), []));

        Assert.True(withKey.Outcome == TaskOutcome.Success, reporter.AllOutput + sshd.Log);
        Assert.Contains($"Using the project's checkout key {deployKey.Md5Fingerprint}", reporter.OutputOf(1));
        Assert.Contains("hello from the repository\n" + url + "\n", reporter.OutputOf(2));

        var (withoutKey, refused) = await RunAsync(job, url, ProjectEnvironmentProtocol.CheckoutCredentials.None);

        Assert.Equal(TaskOutcome.Failed, withoutKey.Outcome);
        Assert.Equal(StepOutcome.Failed, refused.OutcomeOf(1));
        Assert.Contains("Permission denied (publickey)", refused.OutputOf(1));
        Assert.Contains("the project has no checkout key: add one (POST /api/v2/project/gh/acme/app/checkout-key)", refused.OutputOf(1));
    }

    [Fact]
    public async Task An_https_checkout_sends_the_token_in_a_header_only_and_it_is_never_in_git_config_nor_the_output()
    {
        const string token = "ghs_checkoutToken5f3a9c";
        var served = Directory.CreateTempSubdirectory("circleactors-http-git-");
        try
        {
            Git(served.FullName, "clone", "--quiet", "--bare", repository.Directory, "app.git");
            using var server = new HttpGitServer(served.FullName, CheckoutToken.DefaultUsername, token);
            var url = server.UrlOf("app.git");
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{CheckoutToken.DefaultUsername}:{token}"));
            // Exits 0 only when neither form of the token is anywhere under .git.
            var job = MachineJob(new CheckoutStep(), new RunStep(
                $"cat hello.txt; if grep -rqF -e '{token}' -e '{basic}' .git; then echo credential-in-git-dir; exit 1; fi; git config --get remote.origin.url"));

            var (withToken, reporter) = await RunAsync(job, url, new(new(CheckoutToken.DefaultUsername, token), null, []));

            Assert.True(withToken.Outcome == TaskOutcome.Success, reporter.AllOutput);
            Assert.Contains("Using the project's HTTPS checkout token", reporter.OutputOf(1));
            Assert.Contains("hello from the repository\n" + url + "\n", reporter.OutputOf(2));
            Assert.DoesNotContain(token, reporter.AllOutput);
            Assert.DoesNotContain(basic, reporter.AllOutput);

            var refusedBefore = server.Refused;
            var (withoutToken, refused) = await RunAsync(job, url, ProjectEnvironmentProtocol.CheckoutCredentials.None);

            Assert.Equal(TaskOutcome.Failed, withoutToken.Outcome);
            Assert.True(server.Refused > refusedBefore);
            Assert.Contains("set the project's HTTPS checkout token (PUT /api/v2/project/gh/acme/app/checkout-token)", refused.OutputOf(1));
        }
        finally
        {
            served.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Add_ssh_keys_writes_the_selected_key_where_ssh_finds_it_and_an_unknown_fingerprint_fails_the_step()
    {
        var selected = SshKeyMaterial.GenerateRsa();
        var other = SshKeyMaterial.GenerateRsa();
        using var sshd = await SshGitServer.StartAsync(selected.PublicKey);
        var credentials = new ProjectEnvironmentProtocol.CheckoutCredentials(null, null,
            [Opened(other, SshKeyKinds.Additional, "example.invalid"), Opened(selected, SshKeyKinds.Additional)]);
        var selectedFile = "id_rsa_" + selected.Md5Fingerprint.Replace(":", "");
        var job = MachineJob(
            new AddSshKeysStep([selected.Md5Fingerprint]),
            new RunStep($"""
                ls -l ~/.ssh; ls ~/.ssh | grep -c id_rsa_
                ssh-keyscan -p {sshd.Port} 127.0.0.1 >> ~/.ssh/known_hosts 2>/dev/null
                git ls-remote {sshd.UrlOf(repository.Directory)} HEAD
                """));

        var (added, reporter) = await RunAsync(job, "/nonexistent", credentials);

        Assert.True(added.Outcome == TaskOutcome.Success, reporter.AllOutput + sshd.Log);
        Assert.Equal(SshKeySteps.StepName, reporter.StepNames[1]);
        Assert.Contains($"Added SSH key {selected.Md5Fingerprint}", reporter.OutputOf(1));
        var listing = reporter.OutputOf(2);
        Assert.Matches($@"-rw------- .* {selectedFile}\n", listing);
        Assert.Contains("\n1\n", listing);
        Assert.Contains($"{repository.Revision}\tHEAD", listing);
        Assert.DoesNotContain("PRIVATE KEY", reporter.AllOutput);

        var unknown = MachineJob(new AddSshKeysStep(["aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99"]), new RunStep("echo not reached"));
        var (failed, refused) = await RunAsync(unknown, "/nonexistent", credentials);

        Assert.Equal(TaskOutcome.Failed, failed.Outcome);
        Assert.Equal(StepOutcome.Failed, refused.OutcomeOf(1));
        Assert.Contains("the project has no SSH key with fingerprint aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99", refused.OutputOf(1));
        Assert.Equal(StepOutcome.Skipped, refused.OutcomeOf(2));
    }

    private static void Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
    }
}
