using System.CommandLine;

namespace CircleActors.Cli.Ops;

/// <summary><c>ops build delete</c>: tombstone a pipeline (a "build") so the API and UI no longer show it.</summary>
public static class BuildPalette
{
    public static Command Build() => new("build", "Builds (pipelines)") { Delete() };

    private static Command Delete()
    {
        var pipeline = new Argument<string>("pipeline") { Description = "A pipeline id, its link (https://…/pipelines/ID) or gh/org/repo/NUMBER" };
        return OpsCommands.Leaf("delete", "Delete a pipeline: cancel what of it still runs, then hide it, its workflows and jobs (audited; the journal keeps its events)",
            [pipeline], async (parse, client, json, ct) =>
            {
                var deleted = await client.SendAsync(HttpMethod.Post, "/api/v2/admin/pipeline/delete", new { Pipeline = parse.GetValue(pipeline) }, ct);
                if (json) Table.PrintJson(deleted);
                else
                {
                    Table.PrintFields(
                    [
                        ("ID", Table.Cell(deleted["id"])), ("Project", Table.Cell(deleted["project"])), ("Number", Table.Cell(deleted["number"])),
                        ("Deleted", Table.Cell(deleted["deleted_at"])), ("Deleted by", Table.Cell(deleted["deleted_by"])),
                        ("Canceled workflows", deleted["canceled_workflows"]!.AsArray().Count == 0 ? "-" : string.Join(", ", deleted["canceled_workflows"]!.AsArray().Select(Table.Cell))),
                    ]);
                }
                return 0;
            });
    }
}
