using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using CircleActors.Actors.Agents;
using CircleActors.Actors.Logs;
using CircleActors.Actors.Serialization;
using CircleActors.Domain.Jobs.Messages;
using CircleActors.Domain.Pipelines.Messages;
using CircleActors.Domain.Projects.Messages;
using CircleActors.Domain.TestResults.Messages;
using CircleActors.Domain.Workflows.Messages;

namespace CircleActors.Actors.Tests.Serialization;

/// <summary>
/// Every journaled or cross-node type has a stable manifest, is bound to our serializer, and
/// comes back from its bytes with every member intact.
/// </summary>
public sealed class DomainSerializerSpecs(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    private readonly Akka.Serialization.Serialization _serialization = fixture.System.Serialization;

    public static TheoryData<string> Manifests => new(MessageManifests.ByType.Values.Order(StringComparer.Ordinal));

    private object Sample(Type type) => States.Covers(type) ? States.For(type) : new Representative(fixture.Agent).Of(type);

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_manifested_type_comes_back_from_its_bytes_with_every_member_intact(string manifest)
    {
        var type = MessageManifests.ByManifest[manifest];
        var original = Sample(type);

        var serializer = Assert.IsType<DomainSerializer>(_serialization.FindSerializerFor(original));
        Assert.Equal(manifest, serializer.Manifest(original));
        var bytes = serializer.ToBinary(original);
        var restored = _serialization.Deserialize(bytes, DomainSerializer.Id, manifest);

        Assert.IsType(type, restored);
        Structurally.Equal(original, restored);
        // Serializing what came back gives the same bytes: nothing was lost or reordered on the way.
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serializer.ToBinary(restored)));
        if (!HoldsCollections(type)) Assert.Equal(original, restored);
    }

    /// <summary>Records compare collections by reference, so only collection-free ones can be compared with Equals.</summary>
    private static bool HoldsCollections(Type type, HashSet<Type>? seen = null)
    {
        seen ??= [];
        if (!seen.Add(type)) return false;
        return type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance).Any(p =>
            p.PropertyType != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(p.PropertyType)
            || p.PropertyType.Namespace?.StartsWith("CircleActors") == true && HoldsCollections(p.PropertyType, seen));
    }

    private static readonly Type[] MessageInterfaces =
    [
        typeof(IProjectEvent), typeof(IPipelineEvent), typeof(IWorkflowEvent), typeof(IJobEvent),
        typeof(IProjectCommand), typeof(IPipelineCommand), typeof(IWorkflowCommand), typeof(IJobCommand),
        typeof(ITestResultsEvent), typeof(ITestResultsMessage),
        // Asked of a timings reader by project and job name, so it belongs to no entity's interface.
        typeof(TestResultsQueries.GetTestTimings),
    ];

    private static IEnumerable<Type> DomainMessageTypes => typeof(IJobEvent).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false } && MessageInterfaces.Any(i => i.IsAssignableFrom(t)));

    public static TheoryData<string> DomainMessages => new(DomainMessageTypes.Select(t => t.FullName!).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(DomainMessages))]
    public void Every_domain_event_command_and_query_has_a_manifest(string typeName) =>
        Assert.Contains(typeof(IJobEvent).Assembly.GetType(typeName, throwOnError: true)!, MessageManifests.ByType.Keys);

    [Fact]
    public void The_domain_has_messages_of_every_kind_to_check() =>
        Assert.All(MessageInterfaces, i => Assert.Contains(DomainMessageTypes, i.IsAssignableFrom));

    [Fact]
    public void Every_message_of_the_agent_and_log_protocols_and_every_reply_has_a_manifest()
    {
        var messages = typeof(AgentProtocol).GetNestedTypes().Concat(typeof(LogProtocol).GetNestedTypes())
            .Concat(typeof(Actors.Blobs.BlobProtocol).GetNestedTypes()).Concat([typeof(Actors.Blobs.BlobInfo)])
            .Concat(typeof(JobReplies).GetNestedTypes()).Concat(typeof(ProjectReplies).GetNestedTypes())
            .Concat(typeof(TestResultsReplies).GetNestedTypes())
            .Concat([typeof(Domain.Common.Accepted), typeof(Domain.Common.Rejected)]);
        Assert.All(messages, t => Assert.Contains(t, MessageManifests.ByType.Keys));
    }

    [Fact]
    public void Manifests_are_unique_and_name_their_version()
    {
        var manifests = MessageManifests.ByType.Values.ToList();
        Assert.Equal(manifests.Count, manifests.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(manifests.Count, MessageManifests.ByManifest.Count);
        Assert.All(MessageManifests.ByType, kv => Assert.Equal(kv.Key, MessageManifests.ByManifest[kv.Value]));
        Assert.All(manifests, m => Assert.Matches(@"^[a-z]+(\.[a-z0-9-]+)+\.v[0-9]+$", m));
    }

    /// <summary>These are in journals already: a change here breaks replay of every existing database.</summary>
    [Fact]
    public void Journaled_event_manifests_never_change()
    {
        var events = MessageManifests.ByType.Where(kv => kv.Key.GetInterfaces().Any(i =>
                i == typeof(IProjectEvent) || i == typeof(IPipelineEvent) || i == typeof(IWorkflowEvent) || i == typeof(IJobEvent)
                || i == typeof(Domain.Schedules.Messages.IScheduleEvent)
                || i == typeof(ITestResultsEvent)))
            .ToDictionary(kv => kv.Key.Name, kv => kv.Value);
        Assert.Equal(new Dictionary<string, string>
        {
            ["ProjectAdded"] = "project.added.v1",
            ["PipelineNumberReserved"] = "project.pipeline-number-reserved.v1",
            ["JobNumbersReserved"] = "project.job-numbers-reserved.v1",
            ["ProjectSettingsChanged"] = "project.settings-changed.v1",
            ["ScheduledWorkflowsDeclared"] = "project.scheduled-workflows-declared.v1",
            ["ScheduleConfigured"] = "schedule.configured.v1",
            ["ScheduleDisabled"] = "schedule.disabled.v1",
            ["ScheduleFired"] = "schedule.fired.v1",
            ["ScheduledRunsRecorded"] = "schedule.runs-recorded.v1",
            ["EnvironmentVariableSet"] = "project.env-var-set.v1",
            ["EnvironmentVariableDeleted"] = "project.env-var-deleted.v1",
            ["SshKeyAdded"] = "project.ssh-key-added.v1",
            ["SshKeyDeleted"] = "project.ssh-key-deleted.v1",
            ["CheckoutTokenSet"] = "project.checkout-token-set.v1",
            ["CheckoutTokenDeleted"] = "project.checkout-token-deleted.v1",
            ["PipelineCreated"] = "pipeline.created.v1",
            ["PipelineConfigCompiled"] = "pipeline.config-compiled.v1",
            ["PipelineErrored"] = "pipeline.errored.v1",
            ["PipelineWorkflowsCreated"] = "pipeline.workflows-created.v1",
            ["PipelineDeleted"] = "pipeline.deleted.v1",
            ["WorkflowStarted"] = "workflow.started.v1",
            ["WorkflowJobScheduled"] = "workflow.job-scheduled.v1",
            ["WorkflowJobFinished"] = "workflow.job-finished.v1",
            ["WorkflowFinished"] = "workflow.finished.v1",
            ["JobScheduled"] = "job.scheduled.v1",
            ["TaskAssigned"] = "job.task-assigned.v1",
            ["JobStarted"] = "job.started.v1",
            ["TaskStepStarted"] = "job.step-started.v1",
            ["TaskStepFinished"] = "job.step-finished.v1",
            ["TaskFinished"] = "job.task-finished.v1",
            ["TaskRequeued"] = "job.task-requeued.v1",
            ["JobFinished"] = "job.finished.v1",
            ["JobCancelRequested"] = "job.cancel-requested.v1",
            ["WorkflowJobHeld"] = "workflow.job-held.v1",
            ["WorkflowJobApproved"] = "workflow.job-approved.v1",
            ["WorkflowCanceled"] = "workflow.canceled.v1",
            ["TestResultsRecorded"] = "testresults.recorded.v1",
        }, events);
    }

    /// <summary>Services nodes of two releases exchange these during a rolling upgrade.</summary>
    [Fact]
    public void Live_notices_that_cross_services_nodes_keep_their_manifests()
    {
        Assert.Equal("log.step-output-written.v1", MessageManifests.ByType[typeof(LogProtocol.StepOutputWritten)]);
        Assert.Equal("projection.read-documents-changed.v1", MessageManifests.ByType[typeof(Projections.ReadDocumentsChanged)]);
    }

    [Fact]
    public void An_unknown_manifest_is_refused()
    {
        var serializer = (DomainSerializer)_serialization.FindSerializerForType(typeof(JobEvents.JobStarted));
        Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "job.started.v0"));
    }

    [Fact]
    public void A_type_without_a_manifest_is_refused_rather_than_written_under_a_made_up_name()
    {
        var serializer = (DomainSerializer)_serialization.FindSerializerForType(typeof(JobEvents.JobStarted));
        Assert.Throws<ArgumentException>(() => serializer.Manifest(new Uri("http://example.com")));
        Assert.Throws<ArgumentException>(() => serializer.ToBinary(fixture.Agent));
    }

    [Fact]
    public void An_actor_ref_in_a_message_resolves_to_the_same_actor()
    {
        var register = new AgentProtocol.RegisterAgent(new Domain.Common.NodeId("n"), "n", fixture.Agent, 2, 4096);
        var serializer = (DomainSerializer)_serialization.FindSerializerFor(register);
        var restored = (AgentProtocol.RegisterAgent)serializer.FromBinary(serializer.ToBinary(register), serializer.Manifest(register));
        Assert.Equal(fixture.Agent, restored.Agent);
        Assert.False(restored.Agent.IsNobody());
    }

    [Fact]
    public void Node_settings_travel_with_registration_heartbeats_and_the_operators_drain_intact()
    {
        var node = new Domain.Common.NodeId("n");
        var settings = new AgentProtocol.NodeSettings(node, Drain: true, DrainDeadline: new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), Eligible: false);
        object[] messages =
        [
            new AgentProtocol.RegisterAgent(node, "n", fixture.Agent, 2, 4096, settings, "eu-1", "gpu"),
            new AgentProtocol.RequestWork(node, 3, 7, [], settings),
            settings,
            new CircleActors.Actors.Scheduling.SchedulerProtocol.SetDrain(node, true, settings.DrainDeadline),
            new CircleActors.Actors.Scheduling.SchedulerProtocol.SetEligibility(node, false),
            new CircleActors.Actors.Scheduling.SchedulerProtocol.NodeChanged(new CircleActors.Actors.Scheduling.SchedulerProtocol.NodeInfo(node, "n", "ready", true, 4, 8192, 2, 4096, [],
                settings.DrainDeadline!.Value, Eligible: false, DrainDeadline: settings.DrainDeadline, Datacenter: "eu-1", NodeClass: "gpu")),
        ];
        foreach (var message in messages)
        {
            var serializer = (DomainSerializer)_serialization.FindSerializerFor(message);
            var restored = serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
            Assert.Equal(message.GetType(), restored.GetType());
            Assert.Equal(serializer.ToBinary(message), serializer.ToBinary(restored));
        }
        var register = (DomainSerializer)_serialization.FindSerializerFor(messages[0]);
        var back = (AgentProtocol.RegisterAgent)register.FromBinary(register.ToBinary(messages[0]), register.Manifest(messages[0]));
        Assert.Equal((settings, "eu-1", "gpu"), (back.Settings, back.Datacenter, back.NodeClass));
    }
}
