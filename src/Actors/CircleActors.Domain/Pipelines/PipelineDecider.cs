using CircleActors.Domain.Common;
using CircleActors.Domain.Pipelines.Messages;
using static CircleActors.Domain.Pipelines.Messages.PipelineCommands;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;

namespace CircleActors.Domain.Pipelines;

public static class PipelineDecider
{
    public static Decision<IPipelineEvent> Decide(PipelineState state, IPipelineCommand command, DateTimeOffset now)
    {
        if (command is CreatePipeline create)
        {
            // A redelivered trigger derives the same pipeline id: answer with what exists.
            if (state.Exists) return Decision<IPipelineEvent>.Ignore(state);
            var created = new PipelineCreated(create.PipelineId, create.Project, create.Number, create.RepositoryUrl,
                create.Branch, create.Tag, create.Revision, create.Trigger, now, create.Parameters);
            return new([created], state.Apply(created));
        }

        if (!state.Exists)
            return Decision<IPipelineEvent>.Reject(RejectionKind.NotFound, $"pipeline {state.Id} not found");
        var project = state.Created!.Project;

        switch (command)
        {
            case PipelineQueries.GetPipeline:
                return Decision<IPipelineEvent>.Ignore(state);

            case DeletePipeline delete:
                if (state.IsDeleted) return Decision<IPipelineEvent>.Ignore(Accepted.Instance);
                return new([new PipelineDeleted(state.Id, project, state.Created.Number, delete.Actor, now)], Accepted.Instance);

            // A deleted pipeline goes no further: a config read or workflow start still under way is dropped.
            case CompileConfig or FailPipeline or ConfirmWorkflowsCreated when state.IsDeleted:
                return Decision<IPipelineEvent>.Ignore(Accepted.Instance);

            case CompileConfig compile:
                if (state.Stage != PipelineStage.Pending) return Decision<IPipelineEvent>.Ignore(Accepted.Instance);
                return new([new PipelineConfigCompiled(state.Id, project, compile.Revision, compile.ConfigSource, compile.Workflows, now, compile.Schedules)],
                    Accepted.Instance);

            case FailPipeline fail:
                if (state.Stage != PipelineStage.Pending) return Decision<IPipelineEvent>.Ignore(Accepted.Instance);
                return new([new PipelineErrored(state.Id, project, fail.Revision, fail.Errors, now)], Accepted.Instance);

            case ConfirmWorkflowsCreated:
                if (state.Stage != PipelineStage.Created || state.WorkflowsCreated) return Decision<IPipelineEvent>.Ignore(Accepted.Instance);
                return new([new PipelineWorkflowsCreated(state.Id, now)], Accepted.Instance);

            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown pipeline command");
        }
    }
}
