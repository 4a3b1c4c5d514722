using System.Text;
using CircleActors.Actors.Serialization;
using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;
using CircleActors.Domain.Pipelines.Messages;
using static CircleActors.Domain.Jobs.Messages.JobEvents;
using static CircleActors.Domain.Pipelines.Messages.PipelineEvents;
using static CircleActors.Domain.Projects.Messages.ProjectEvents;
using static CircleActors.Domain.Workflows.Messages.WorkflowEvents;

namespace CircleActors.Actors.Tests.Serialization;

/// <summary>
/// Events as a v1 journal holds them: a round trip is symmetric and would not notice a change of
/// spelling (property names, enum values), so these fixed payloads must still read.
/// </summary>
public sealed class JournalFormatSpecs(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    private static readonly DateTimeOffset At = new(2025, 3, 14, 9, 26, 53, 123, TimeSpan.FromHours(-5));
    private const string AtJson = "2025-03-14T09:26:53.123-05:00";
    private static readonly Guid Id = Guid.Parse("0b5f3f4e-2d1c-4a53-9d1e-6a4c1f0e9a01");
    private static readonly ProjectSlug Project = ProjectSlug.Parse("gh/acme/app");

    public static TheoryData<string, string, object> Stored => new()
    {
        {
            "job.task-finished.v1",
            $$"""{"jobId":"{{Id}}","taskIndex":1,"attempt":2,"status":"infrastructure_fail","reason":"lost","at":"{{AtJson}}"}""",
            new TaskFinished(JobId.From(Id), 1, 2, JobStatus.InfrastructureFail, "lost", At)
        },
        {
            "job.step-finished.v1",
            $$"""{"jobId":"{{Id}}","taskIndex":0,"attempt":1,"stepIndex":3,"exitCode":137,"status":"timed_out","at":"{{AtJson}}"}""",
            new TaskStepFinished(JobId.From(Id), 0, 1, 3, 137, StepStatus.TimedOut, At)
        },
        {
            "project.job-numbers-reserved.v1",
            $$"""{"slug":"gh/acme/app","pipelineId":"{{Id}}","first":4,"count":2,"at":"{{AtJson}}"}""",
            new JobNumbersReserved(Project, PipelineId.From(Id), 4, 2, At)
        },
        {
            "workflow.job-scheduled.v1",
            $$"""{"workflowId":"{{Id}}","project":"gh/acme/app","jobName":"build","jobId":"{{Id}}","jobNumber":42,"at":"{{AtJson}}"}""",
            new WorkflowJobScheduled(WorkflowId.From(Id), Project, "build", JobId.From(Id), 42, At)
        },
        {
            "pipeline.errored.v1",
            $$"""{"pipelineId":"{{Id}}","project":"gh/acme/app","errors":[{"type":"config","message":"job x is not defined"}],"at":"{{AtJson}}"}""",
            new PipelineErrored(PipelineId.From(Id), Project, null, [new PipelineError("config", "job x is not defined")], At)
        },
    };

    [Theory]
    [MemberData(nameof(Stored))]
    public void An_event_written_in_the_v1_format_still_reads(string manifest, string json, object expected)
    {
        var serializer = (DomainSerializer)fixture.System.Serialization.FindSerializerFor(expected);
        Assert.Equal(manifest, serializer.Manifest(expected));
        Structurally.Equal(expected, serializer.FromBinary(Encoding.UTF8.GetBytes(json), manifest));
        Assert.Equal(json, Encoding.UTF8.GetString(serializer.ToBinary(expected)));
    }
}
