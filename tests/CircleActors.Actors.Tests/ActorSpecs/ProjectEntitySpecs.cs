using System.Security.Cryptography;
using Akka.Actor;
using CircleActors.Actors.Projects;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using Xunit.Abstractions;

namespace CircleActors.Actors.Tests.ActorSpecs;

/// <summary>The project entity keeps variables sealed in its journal and opens them, in memory, for an agent that asks.</summary>
public sealed class ProjectEntitySpecs(ITestOutputHelper output) : ActorSpec(output)
{
    private static readonly ProjectSlug Slug = ProjectSlug.Parse("gh/acme/vars");
    private readonly SecretBox _box = new(RandomNumberGenerator.GetBytes(SecretBox.KeyBytes));

    private IActorRef ProjectWith(SecretBox? box, params (string Name, string Value)[] variables)
    {
        var project = Sys.ActorOf(ProjectEntity.PropsFor(Slug.Value, Clock, box));
        project.Tell(new ProjectCommands.AddProject(Slug, "https://example.invalid/acme/vars.git", "main", "", Actor.Admin));
        ExpectMsg<ProjectState>();
        foreach (var (name, value) in variables)
        {
            project.Tell(new ProjectCommands.SetEnvironmentVariable(Slug, name, _box.Seal(Slug, name, value), Actor.Admin));
            ExpectMsg<Accepted>();
        }
        return project;
    }

    [Fact]
    public void Pipelines_reserved_at_once_get_numbers_one_to_n_in_the_order_asked_and_keep_them_across_a_snapshot_and_recovery()
    {
        const int count = 250;
        var project = ProjectWith(_box);
        var pipelines = Enumerable.Range(0, count).Select(_ => PipelineId.New()).ToList();

        // All sent before any is written: each is decided while the ones before it are still being written.
        foreach (var pipeline in pipelines) project.Tell(new ProjectCommands.ReservePipelineNumber(Slug, pipeline));
        project.Tell(new ProjectCommands.ReservePipelineNumber(Slug, pipelines[0]));
        var numbers = Enumerable.Range(0, count + 1).Select(_ => ExpectMsg<ProjectReplies.PipelineNumberReserved>().Number).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(n => (long)n).Append(1), numbers);

        // Recovered from the snapshot taken at the 200th event plus the events after it: the same numbers, and the next is new.
        Watch(project);
        Sys.Stop(project);
        ExpectTerminated(project);
        var recovered = Sys.ActorOf(ProjectEntity.PropsFor(Slug.Value, Clock, _box));
        recovered.Tell(new ProjectCommands.ReservePipelineNumber(Slug, pipelines[^1]));
        recovered.Tell(new ProjectCommands.ReservePipelineNumber(Slug, pipelines[150]));
        recovered.Tell(new ProjectCommands.ReservePipelineNumber(Slug, PipelineId.New()));
        Assert.Equal([count, 151, count + 1], Enumerable.Range(0, 3).Select(_ => ExpectMsg<ProjectReplies.PipelineNumberReserved>().Number));
    }

    [Fact]
    public void An_agent_gets_the_opened_values_while_the_journal_holds_only_sealed_ones()
    {
        var project = ProjectWith(_box, ("API_TOKEN", "token-value-1234"), ("OTHER", "other-value"));

        project.Tell(new ProjectEnvironmentProtocol.GetProjectEnvironment(Slug));
        var environment = ExpectMsg<ProjectEnvironmentProtocol.ProjectEnvironment>();

        Assert.Equal(new Dictionary<string, string> { ["API_TOKEN"] = "token-value-1234", ["OTHER"] = "other-value" }, environment.Variables);
        Assert.DoesNotContain("token-value-1234", environment.ToString());
        var journaled = JournaledEvents(ProjectEntity.PersistencePrefix + Slug.Value).OfType<ProjectEvents.EnvironmentVariableSet>().ToList();
        Assert.Equal(["API_TOKEN", "OTHER"], journaled.Select(e => e.Name));
        Assert.DoesNotContain(journaled, e => e.ToString().Contains("token-value-1234"));
    }

    [Fact]
    public void A_node_without_the_key_or_with_another_refuses_with_the_reason()
    {
        var withoutKey = ProjectWith(null, ("API_TOKEN", "token-value-1234"));
        withoutKey.Tell(new ProjectEnvironmentProtocol.GetProjectEnvironment(Slug));
        Assert.Contains("no secrets key", ExpectMsg<Rejected>().Reason);
        Sys.Stop(withoutKey);

        var otherKey = new SecretBox(RandomNumberGenerator.GetBytes(SecretBox.KeyBytes));
        var project = Sys.ActorOf(ProjectEntity.PropsFor(Slug.Value, Clock, otherKey));
        project.Tell(new ProjectEnvironmentProtocol.GetProjectEnvironment(Slug));
        Assert.Contains("cannot be opened with this installation's secrets key", ExpectMsg<Rejected>().Reason);
    }

    [Fact]
    public void A_project_without_variables_answers_an_empty_environment_and_an_unknown_project_is_not_found()
    {
        var empty = ProjectWith(null);
        empty.Tell(new ProjectEnvironmentProtocol.GetProjectEnvironment(Slug));
        Assert.Empty(ExpectMsg<ProjectEnvironmentProtocol.ProjectEnvironment>().Variables);

        var unknown = Sys.ActorOf(ProjectEntity.PropsFor("gh/acme/unknown", Clock, _box));
        unknown.Tell(new ProjectEnvironmentProtocol.GetProjectEnvironment(ProjectSlug.Parse("gh/acme/unknown")));
        Assert.Equal(RejectionKind.NotFound, ExpectMsg<Rejected>().Kind);
    }

    [Fact]
    public void A_sealed_value_does_not_open_under_another_variables_name()
    {
        var sealedValue = _box.Seal(Slug, "API_TOKEN", "token-value-1234");
        Assert.Equal("token-value-1234", _box.Open(Slug, "API_TOKEN", sealedValue));
        Assert.ThrowsAny<CryptographicException>(() => _box.Open(Slug, "OTHER", sealedValue));
        Assert.ThrowsAny<CryptographicException>(() => _box.Open(ProjectSlug.Parse("gh/acme/else"), "API_TOKEN", sealedValue));
    }

    [Fact]
    public void An_agent_gets_the_opened_token_the_newest_checkout_key_and_every_key_while_the_journal_holds_only_sealed_ones()
    {
        var project = ProjectWith(_box);
        var older = SshKeyMaterial.GenerateRsa();
        var newer = SshKeyMaterial.GenerateRsa();
        var additional = SshKeyMaterial.GenerateRsa();
        foreach (var (material, kind) in new[] { (older, SshKeyKinds.DeployKey), (newer, SshKeyKinds.UserKey), (additional, SshKeyKinds.Additional) })
        {
            var key = new ProjectSshKey(kind, material.PublicKey, material.Md5Fingerprint, material.Sha256Fingerprint,
                kind == SshKeyKinds.Additional ? "git.example.com" : null, _box.Seal(Slug, SealingNames.SshKey(material.Sha256Fingerprint), material.PrivateKey), Clock.UtcNow);
            project.Tell(new ProjectCommands.AddSshKey(Slug, key, Actor.Admin));
            ExpectMsg<Accepted>();
        }
        project.Tell(new ProjectCommands.SetCheckoutToken(Slug, new CheckoutToken("bot", _box.Seal(Slug, SealingNames.CheckoutToken, "token-value-5678"), Clock.UtcNow), Actor.Admin));
        ExpectMsg<Accepted>();

        project.Tell(new ProjectEnvironmentProtocol.GetProjectEnvironment(Slug));
        var credentials = ExpectMsg<ProjectEnvironmentProtocol.ProjectEnvironment>().Credentials!;

        Assert.Equal(new ProjectEnvironmentProtocol.HttpsCredential("bot", "token-value-5678"), credentials.Https);
        Assert.Equal(newer.PrivateKey, credentials.CheckoutKey!.PrivateKey);
        Assert.Equal([older.Md5Fingerprint, newer.Md5Fingerprint, additional.Md5Fingerprint], credentials.SshKeys.Select(k => k.Md5Fingerprint));
        Assert.Equal("git.example.com", credentials.SshKeys[2].Hostname);
        Assert.Equal(additional.PrivateKey, credentials.SshKeys[2].PrivateKey);
        var keyLine = newer.PrivateKey.Split('\n')[2];
        Assert.DoesNotContain(keyLine, credentials.ToString());
        Assert.DoesNotContain("token-value-5678", credentials.ToString());
        var journaled = JournaledEvents(ProjectEntity.PersistencePrefix + Slug.Value).ToList();
        Assert.Equal(3, journaled.OfType<ProjectEvents.SshKeyAdded>().Count());
        Assert.DoesNotContain(journaled, e => e.ToString()!.Contains(keyLine) || e.ToString()!.Contains("token-value-5678"));
    }

    [Fact]
    public void A_credential_sealed_for_one_key_does_not_open_as_another_key_or_a_variable()
    {
        var sealedKey = _box.Seal(Slug, SealingNames.SshKey("SHA256:abc"), "private");
        Assert.ThrowsAny<CryptographicException>(() => _box.Open(Slug, SealingNames.SshKey("SHA256:other"), sealedKey));
        Assert.ThrowsAny<CryptographicException>(() => _box.Open(Slug, SealingNames.CheckoutToken, sealedKey));
    }
}
