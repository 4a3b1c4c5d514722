using Akka.Actor;
using Akka.Event;
using CircleActors.Actors.Common;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;

namespace CircleActors.Actors.Projects;

/// <summary>
/// A project: its repository, webhook secret, sealed environment variables and the counters that
/// number its pipelines and jobs. It opens the variables for agents with the installation's key.
/// </summary>
public sealed class ProjectEntity : AggregateEntity<ProjectState, IProjectCommand, IProjectEvent>
{
    public const string PersistencePrefix = "project-";

    /// <param name="secrets">The installation's key; null on a node that has none, which then refuses to open variables.</param>
    public ProjectEntity(string entityId, IClock clock, SecretBox? secrets)
        : base(PersistencePrefix + entityId, ProjectState.Empty(ProjectSlug.Parse(entityId)), clock)
    {
        Command<ProjectEnvironmentProtocol.GetProjectEnvironment>(_ => ReplyWhenDurable(OpenEnvironment(secrets), Sender));
    }

    public static Props PropsFor(string entityId, IClock clock, SecretBox? secrets) => Props.Create(() => new ProjectEntity(entityId, clock, secrets));

    private object OpenEnvironment(SecretBox? secrets)
    {
        if (!State.Exists) return new Rejected(RejectionKind.NotFound, $"project {State.Slug} not found");
        if (State.Variables.IsEmpty && State.SshKeys.IsEmpty && State.HttpsCheckoutToken is null)
            return new ProjectEnvironmentProtocol.ProjectEnvironment(State.Slug, new Dictionary<string, string>(), ProjectEnvironmentProtocol.CheckoutCredentials.None);
        if (secrets is null) return new Rejected(RejectionKind.Invalid, "this services node has no secrets key, so it cannot open the project's environment variables");
        try
        {
            var variables = State.Variables.ToDictionary(v => v.Key, v => secrets.Open(State.Slug, v.Key, v.Value), StringComparer.Ordinal);
            return new ProjectEnvironmentProtocol.ProjectEnvironment(State.Slug, variables, OpenCredentials(secrets));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // The name of the failure only; the message never carries a value.
            Log.Error("the environment variables or checkout credentials of {0} do not open with this node's secrets key (was the key replaced?)", State.Slug);
            return new Rejected(RejectionKind.Invalid, $"the environment variables of {State.Slug} cannot be opened with this installation's secrets key");
        }
    }

    private ProjectEnvironmentProtocol.CheckoutCredentials OpenCredentials(SecretBox secrets)
    {
        ProjectEnvironmentProtocol.OpenedSshKey Opened(ProjectSshKey key) =>
            new(key.Kind, key.Md5Fingerprint, key.Sha256Fingerprint, key.Hostname, secrets.Open(State.Slug, key.SealingName, key.PrivateKey));
        var https = State.HttpsCheckoutToken is { } token
            ? new ProjectEnvironmentProtocol.HttpsCredential(token.Username, secrets.Open(State.Slug, SealingNames.CheckoutToken, token.Token))
            : null;
        return new(https, State.PreferredCheckoutKey is { } preferred ? Opened(preferred) : null, State.SshKeys.Select(Opened).ToList());
    }

    protected override ProjectState Apply(ProjectState state, IProjectEvent @event) => state.Apply(@event);

    protected override Decision<IProjectEvent> Decide(ProjectState state, IProjectCommand command, DateTimeOffset now) =>
        ProjectDecider.Decide(state, command, now);

    // A project only counts; it never has work of its own to resume.
    protected override bool HasUnfinishedWork => false;

    // Every pipeline and job is numbered here: one write at a time would cap the whole installation.
    protected override bool DecidesWhileWriting => true;
}

public sealed class ProjectMessageExtractor : EntityMessageExtractor
{
    public override string? EntityId(object message) => message is IWithProjectSlug m ? m.Slug.Value : null;
}

/// <summary>Registry key of the project shard region.</summary>
public sealed class ProjectRegion;
