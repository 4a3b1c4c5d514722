using CircleActors.Domain.Common;
using CircleActors.Domain.Projects.Messages;
using static CircleActors.Domain.Projects.Messages.ProjectCommands;

namespace CircleActors.Domain.Projects;

public static class ProjectDecider
{
    public static Decision<IProjectEvent> Decide(ProjectState state, IProjectCommand command, DateTimeOffset now)
    {
        switch (command)
        {
            case AddProject add:
                if (state.Exists)
                    return state.RepositoryUrl == add.RepositoryUrl
                        ? Decision<IProjectEvent>.Ignore(state)
                        : Decision<IProjectEvent>.Reject(RejectionKind.Conflict, $"project {add.Slug} already exists");
                if (string.IsNullOrWhiteSpace(add.RepositoryUrl))
                    return Decision<IProjectEvent>.Reject(RejectionKind.Invalid, "repo_url is required");
                var added = new ProjectEvents.ProjectAdded(add.Slug, add.RepositoryUrl, add.DefaultBranch, add.WebhookSecret, add.Actor, now);
                return new([added], state.Apply(added));
        }

        if (!state.Exists)
            return Decision<IProjectEvent>.Reject(RejectionKind.NotFound, $"project {state.Slug} not found");

        switch (command)
        {
            case ProjectQueries.GetProject:
                return Decision<IProjectEvent>.Ignore(state);

            case ChangeSettings settings:
                if (settings.AutoCancelRedundantWorkflows == state.AutoCancelRedundantWorkflows) return Decision<IProjectEvent>.Ignore(state);
                var changed = new ProjectEvents.ProjectSettingsChanged(state.Slug, settings.AutoCancelRedundantWorkflows, settings.Actor, now);
                return new([changed], state.Apply(changed));

            case DeclareScheduledWorkflows declare:
                if (declare.Branch != state.DefaultBranch)
                    return Decision<IProjectEvent>.Ignore(new ProjectReplies.ScheduledWorkflowsKnown(false, []));
                var added = declare.Workflows.Except(state.KnownScheduledWorkflows, StringComparer.Ordinal).Distinct(StringComparer.Ordinal).ToList();
                if (added.Count == 0)
                    return Decision<IProjectEvent>.Ignore(new ProjectReplies.ScheduledWorkflowsKnown(true, state.KnownScheduledWorkflows));
                var declared = new ProjectEvents.ScheduledWorkflowsDeclared(state.Slug, added, now);
                return new([declared], new ProjectReplies.ScheduledWorkflowsKnown(true, state.Apply(declared).KnownScheduledWorkflows));

            case SetEnvironmentVariable set:
                if (!EnvironmentVariables.IsValidName(set.Name))
                    return Decision<IProjectEvent>.Reject(RejectionKind.Invalid,
                        $"'{set.Name}' is not a valid environment variable name: use letters, digits and underscores, not starting with a digit");
                if (state.Variables.TryGetValue(set.Name, out var current) && current == set.Value) return Decision<IProjectEvent>.Ignore(Accepted.Instance);
                var stored = new ProjectEvents.EnvironmentVariableSet(state.Slug, set.Name, set.Value, set.Actor, now);
                return new([stored], Accepted.Instance);

            case DeleteEnvironmentVariable delete:
                if (!state.Variables.ContainsKey(delete.Name)) return Decision<IProjectEvent>.Ignore(Accepted.Instance);
                return new([new ProjectEvents.EnvironmentVariableDeleted(state.Slug, delete.Name, delete.Actor, now)], Accepted.Instance);

            case AddSshKey add:
                if (!SshKeyKinds.IsCheckoutKind(add.Key.Kind) && add.Key.Kind != SshKeyKinds.Additional)
                    return Decision<IProjectEvent>.Reject(RejectionKind.Invalid, $"'{add.Key.Kind}' is not a kind of SSH key: use deploy-key, user-key or additional");
                if (state.FindSshKey(add.Key.Md5Fingerprint) is not null) return Decision<IProjectEvent>.Ignore(Accepted.Instance);
                return new([new ProjectEvents.SshKeyAdded(state.Slug, add.Key, add.Actor, now)], Accepted.Instance);

            case DeleteSshKey delete:
                if (state.FindSshKey(delete.Fingerprint) is not { } known) return Decision<IProjectEvent>.Ignore(Accepted.Instance);
                return new([new ProjectEvents.SshKeyDeleted(state.Slug, known.Md5Fingerprint, delete.Actor, now)], Accepted.Instance);

            case SetCheckoutToken token:
                if (string.IsNullOrWhiteSpace(token.Token.Username) || token.Token.Username.Contains(':'))
                    return Decision<IProjectEvent>.Reject(RejectionKind.Invalid, "the checkout token's username must be non-empty and without ':'");
                return new([new ProjectEvents.CheckoutTokenSet(state.Slug, token.Token, token.Actor, now)], Accepted.Instance);

            case DeleteCheckoutToken deleteToken:
                if (state.HttpsCheckoutToken is null) return Decision<IProjectEvent>.Ignore(Accepted.Instance);
                return new([new ProjectEvents.CheckoutTokenDeleted(state.Slug, deleteToken.Actor, now)], Accepted.Instance);

            case ReservePipelineNumber reserve:
                if (state.PipelineNumbers.TryGetValue(reserve.PipelineId, out var existing))
                    return Decision<IProjectEvent>.Ignore(new ProjectReplies.PipelineNumberReserved(reserve.PipelineId, existing));
                var number = state.LastPipelineNumber + 1;
                return new([new ProjectEvents.PipelineNumberReserved(state.Slug, reserve.PipelineId, number, now)],
                    new ProjectReplies.PipelineNumberReserved(reserve.PipelineId, number));

            case ReserveJobNumbers jobs:
                if (jobs.Count < 0)
                    return Decision<IProjectEvent>.Reject(RejectionKind.Invalid, "job count must not be negative");
                if (state.JobNumberBlocks.TryGetValue(jobs.PipelineId, out var block))
                    return Decision<IProjectEvent>.Ignore(new ProjectReplies.JobNumbersReserved(jobs.PipelineId, block.First, block.Count));
                var first = state.LastJobNumber + 1;
                return new([new ProjectEvents.JobNumbersReserved(state.Slug, jobs.PipelineId, first, jobs.Count, now)],
                    new ProjectReplies.JobNumbersReserved(jobs.PipelineId, first, jobs.Count));

            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown project command");
        }
    }
}
