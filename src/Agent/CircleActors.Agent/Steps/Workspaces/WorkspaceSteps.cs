using CircleActors.Actors.Blobs;
using CircleActors.Agent.Steps.Blobs;
using CircleActors.Domain.Config;

namespace CircleActors.Agent.Steps.Workspaces;

/// <summary>
/// <c>persist_to_workspace</c> and <c>attach_workspace</c>. Each persist step stores one layer
/// (a tar.gz of the paths relative to its root) under its job, task and step; attaching applies
/// the layers of every job upstream (the task spec lists them, see WorkspaceLineage) in order,
/// later layers overwriting earlier ones.
/// </summary>
public static class WorkspaceSteps
{
    public static async Task<StepOutcome> PersistAsync(PersistToWorkspaceStep step, StepContext context, CancellationToken cancellationToken)
    {
        using var scratch = new Scratch("workspace");
        var root = context.Resolve(step.Root);
        var tree = scratch.PathOf("tree");
        Directory.CreateDirectory(tree);
        foreach (var path in step.Paths)
        {
            var relative = Relative(path)
                ?? throw new StepFailedException($"persist_to_workspace paths are relative to the root and stay below it; '{path}' does not");
            var source = relative.Length == 0 ? root : root.TrimEnd('/') + "/" + relative;
            if (!await context.Environment.CopyOutAsync(source, relative.Length == 0 ? tree : Path.Combine(tree, relative), cancellationToken).ConfigureAwait(false))
                throw new StepFailedException($"{source} does not exist: nothing was persisted to the workspace");
            context.Say($"Adding {source}\n");
        }

        var archive = scratch.PathOf("layer.tar.gz");
        await Archives.CreateAsync(tree, archive, cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await context.Blobs.UploadAsync(BlobKey.WorkspaceLayer(context.Task.JobId, context.Task.TaskIndex, context.StepIndex), archive, cancellationToken)
                .ConfigureAwait(false);
            context.Say($"Persisted to the workspace from {root} ({Archives.Size(stored.Length)})\n");
        }
        catch (BlobTransferException ex)
        {
            throw new StepFailedException($"the workspace layer could not be stored: {ex.Message}");
        }
        return StepOutcome.Success;
    }

    public static async Task<StepOutcome> AttachAsync(AttachWorkspaceStep step, StepContext context, CancellationToken cancellationToken)
    {
        using var scratch = new Scratch("workspace");
        var at = context.Resolve(step.At);
        IReadOnlyList<BlobInfo> layers;
        try
        {
            layers = await context.Blobs.FindWorkspaceLayersAsync(context.Task.UpstreamJobs ?? [], cancellationToken).ConfigureAwait(false);
        }
        catch (BlobTransferException ex)
        {
            throw new StepFailedException($"the workspace cannot be looked up: {ex.Message}");
        }
        if (layers.Count == 0)
        {
            context.Say("No job this one requires persisted anything to the workspace: nothing to attach\n");
            return StepOutcome.Success;
        }

        var tree = scratch.PathOf("tree");
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var archive = scratch.PathOf($"layer-{i}.tar.gz");
            if (await Archives.FetchAsync(context.Blobs, layer, archive, tree, cancellationToken).ConfigureAwait(false) is { } problem)
                throw new StepFailedException($"the workspace layer {layer.Key.Name} of job {layer.Key.Scope} {problem}");
            context.Say($"Applying workspace layer {layer.Key.Name} of job {layer.Key.Scope} ({Archives.Size(layer.Length)})\n");
        }
        await context.Environment.CopyDirectoryAsync(tree, at, cancellationToken).ConfigureAwait(false);
        context.Say($"Attached the workspace at {at} ({layers.Count} layer{(layers.Count == 1 ? "" : "s")})\n");
        return StepOutcome.Success;
    }

    /// <summary>The path below the root with <c>.</c> parts dropped ("" for the root itself), or null if it is absolute or climbs out.</summary>
    internal static string? Relative(string path)
    {
        if (path.StartsWith('/') || path.StartsWith('~')) return null;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        return parts.Contains("..") ? null : string.Join('/', parts);
    }
}
