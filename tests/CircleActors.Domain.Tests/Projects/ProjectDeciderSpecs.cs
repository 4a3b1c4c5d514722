using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;
using static CircleActors.Domain.Projects.Messages.ProjectCommands;
using static CircleActors.Domain.Projects.Messages.ProjectEvents;
using static CircleActors.Domain.Tests.Samples;

namespace CircleActors.Domain.Tests.Projects;

/// <summary>A project is added once; its pipeline and job numbers are handed out once per pipeline, in order.</summary>
public sealed class ProjectDeciderSpecs
{
    private static readonly AddProject Add = new(Project, "https://github.com/acme/app.git", "main", "s3cret", Actor.Admin);
    private static readonly PipelineId Second = PipelineId.From(Guid.Parse("9a1c0d6e-7a57-4b8e-8c55-2f5d4d8e0b02"));

    private static Aggregate<ProjectState, IProjectCommand, IProjectEvent> NewProject() =>
        new(ProjectState.Empty(Project), ProjectDecider.Decide, (state, e) => state.Apply(e));

    private static Aggregate<ProjectState, IProjectCommand, IProjectEvent> Added()
    {
        var project = NewProject();
        project.Send(Add);
        return project;
    }

    private static readonly SealedValue Sealed = new("bm9uY2U=", "c2VhbGVk");

    [Fact]
    public void An_environment_variable_is_stored_sealed_replaced_by_name_and_deleted_once()
    {
        var project = Added();

        var set = project.Send(new SetEnvironmentVariable(Project, "API_TOKEN", Sealed, Actor.Admin));
        Assert.Equal(Sealed, Assert.Single(set.Events.OfType<EnvironmentVariableSet>()).Value);
        Assert.Empty(project.Send(new SetEnvironmentVariable(Project, "API_TOKEN", Sealed, Actor.Admin)).Events);
        var replaced = new SealedValue("bm9uY2Uy", "c2VhbGVkMg==");
        Assert.Single(project.Send(new SetEnvironmentVariable(Project, "API_TOKEN", replaced, Actor.Admin)).Events);
        Assert.Equal(replaced, project.State.Variables["API_TOKEN"]);

        Assert.Single(project.Send(new DeleteEnvironmentVariable(Project, "API_TOKEN", Actor.Admin)).Events.OfType<EnvironmentVariableDeleted>());
        var again = project.Send(new DeleteEnvironmentVariable(Project, "API_TOKEN", Actor.Admin));
        Assert.Empty(again.Events);
        Assert.IsType<Accepted>(again.Reply);
        Assert.Empty(project.State.Variables);
    }

    private static ProjectSshKey Key(string kind, string md5, string sha256) =>
        new(kind, "ssh-ed25519 AAAA", md5, sha256, null, Sealed, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Ssh_keys_are_added_once_per_fingerprint_the_newest_checkout_key_is_preferred_and_either_fingerprint_deletes()
    {
        var project = Added();
        var deploy = Key(SshKeyKinds.DeployKey, "aa:01", "SHA256:one");
        var additional = Key(SshKeyKinds.Additional, "aa:02", "SHA256:two");
        var user = Key(SshKeyKinds.UserKey, "aa:03", "SHA256:three");

        foreach (var key in new[] { deploy, additional, user })
            Assert.Single(project.Send(new AddSshKey(Project, key, Actor.Admin)).Events.OfType<SshKeyAdded>());
        Assert.Empty(project.Send(new AddSshKey(Project, deploy with { Kind = SshKeyKinds.UserKey }, Actor.Admin)).Events);
        Assert.Equal(user, project.State.PreferredCheckoutKey);

        Assert.Equal("aa:03", Assert.Single(project.Send(new DeleteSshKey(Project, "SHA256:three", Actor.Admin)).Events.OfType<SshKeyDeleted>()).Md5Fingerprint);
        Assert.Equal(deploy, project.State.PreferredCheckoutKey);
        Assert.Single(project.Send(new DeleteSshKey(Project, "MD5:AA:01", Actor.Admin)).Events);
        Assert.Null(project.State.PreferredCheckoutKey);
        Assert.Empty(project.Send(new DeleteSshKey(Project, "aa:01", Actor.Admin)).Events);
        Assert.Equal([additional], project.State.SshKeys);
    }

    [Fact]
    public void A_key_of_an_unknown_kind_and_a_token_user_with_a_colon_are_refused()
    {
        var project = Added();
        var kind = project.Send(new AddSshKey(Project, Key("github-app-key", "aa:01", "SHA256:one"), Actor.Admin));
        var token = project.Send(new SetCheckoutToken(Project, new CheckoutToken("a:b", Sealed, DateTimeOffset.UnixEpoch), Actor.Admin));

        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(kind.Reply).Kind);
        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(token.Reply).Kind);
        Assert.Empty(project.State.SshKeys);
        Assert.Null(project.State.HttpsCheckoutToken);
    }

    [Fact]
    public void The_checkout_token_is_set_replaced_and_deleted_once()
    {
        var project = Added();
        var token = new CheckoutToken(CheckoutToken.DefaultUsername, Sealed, DateTimeOffset.UnixEpoch);

        Assert.Single(project.Send(new SetCheckoutToken(Project, token, Actor.Admin)).Events.OfType<CheckoutTokenSet>());
        Assert.Equal(token, project.State.HttpsCheckoutToken);
        Assert.Single(project.Send(new DeleteCheckoutToken(Project, Actor.Admin)).Events.OfType<CheckoutTokenDeleted>());
        Assert.Empty(project.Send(new DeleteCheckoutToken(Project, Actor.Admin)).Events);
        Assert.Null(project.State.HttpsCheckoutToken);
    }

    [Theory]
    [InlineData("1ST")]
    [InlineData("WITH-DASH")]
    [InlineData("")]
    [InlineData("SPACE NAME")]
    public void A_name_that_is_not_a_shell_variable_name_is_refused(string name)
    {
        var refused = Added().Send(new SetEnvironmentVariable(Project, name, Sealed, Actor.Admin));
        Assert.Empty(refused.Events);
        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(refused.Reply).Kind);
    }

    [Theory]
    [InlineData("s3cr3t-value", "xxxxalue")]
    [InlineData("abcd", "xxxx")]
    [InlineData("ab", "xxxx")]
    public void The_api_shows_xxxx_and_the_last_four_characters_and_never_a_short_value_whole(string value, string shown) =>
        Assert.Equal(shown, EnvironmentVariables.MaskForDisplay(value));

    [Fact]
    public void Auto_cancel_is_off_until_switched_on_and_switching_it_to_what_it_is_changes_nothing()
    {
        var project = Added();
        Assert.False(project.State.AutoCancelRedundantWorkflows);

        var on = project.Send(new ChangeSettings(Project, true, Actor.Admin));
        Assert.True(Assert.Single(on.Events.OfType<ProjectSettingsChanged>()).AutoCancelRedundantWorkflows);
        Assert.True(project.State.AutoCancelRedundantWorkflows);
        Assert.Empty(project.Send(new ChangeSettings(Project, true, Actor.Admin)).Events);

        var unknown = NewProject().Send(new ChangeSettings(Project, true, Actor.Admin));
        Assert.Equal(RejectionKind.NotFound, Assert.IsType<Rejected>(unknown.Reply).Kind);
    }

    [Fact]
    public void Only_the_default_branch_declares_scheduled_workflows_and_the_project_remembers_every_one_it_has_seen()
    {
        var project = Added();
        var other = project.Send(new DeclareScheduledWorkflows(Project, "feature", ["nightly"]));
        Assert.Equal(new ProjectReplies.ScheduledWorkflowsKnown(false, []), other.Reply);
        Assert.Empty(other.Events);

        var first = project.Send(new DeclareScheduledWorkflows(Project, "main", ["nightly", "weekly"]));
        Assert.Equal(["nightly", "weekly"], Assert.Single(first.Events.OfType<ScheduledWorkflowsDeclared>()).Workflows);
        // A later config without "weekly" still hears of it, so its schedule can be told to stop.
        var later = project.Send(new DeclareScheduledWorkflows(Project, "main", ["hourly", "nightly"]));
        Assert.Equal(["hourly"], Assert.Single(later.Events.OfType<ScheduledWorkflowsDeclared>()).Workflows);
        Assert.Equal(["hourly", "nightly", "weekly"], Assert.IsType<ProjectReplies.ScheduledWorkflowsKnown>(later.Reply).Workflows);
        Assert.Empty(project.Send(new DeclareScheduledWorkflows(Project, "main", [])).Events);
        Assert.Equal(project.State.KnownScheduledWorkflows, project.Replay().KnownScheduledWorkflows);
    }

    [Fact]
    public void Adding_a_project_records_its_repository_and_answers_with_its_state()
    {
        var project = NewProject();
        var decision = project.Send(Add);
        Assert.Equal(new ProjectAdded(Project, Add.RepositoryUrl, "main", "s3cret", Actor.Admin, project.Now), Assert.Single(decision.Events));
        Assert.True(project.State.Exists);
        Assert.Equal(("https://github.com/acme/app.git", "main", "s3cret"),
            (project.State.RepositoryUrl, project.State.DefaultBranch, project.State.WebhookSecret));
        Assert.Equal(project.State, decision.Reply);
    }

    [Fact]
    public void Adding_the_same_project_again_is_accepted_without_a_new_event()
    {
        var project = Added();
        var again = project.Send(Add with { WebhookSecret = "other" });
        Assert.Empty(again.Events);
        Assert.IsType<ProjectState>(again.Reply);
        Assert.Equal("s3cret", project.State.WebhookSecret);
    }

    [Fact]
    public void Adding_a_project_that_exists_with_another_repository_is_a_conflict() =>
        Assert.Equal(RejectionKind.Conflict,
            Assert.IsType<Rejected>(Added().Send(Add with { RepositoryUrl = "https://github.com/evil/app.git" }).Reply).Kind);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_project_needs_a_repository(string url) =>
        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(NewProject().Send(Add with { RepositoryUrl = url }).Reply).Kind);

    [Fact]
    public void Pipelines_are_numbered_one_after_another_and_a_retry_gets_the_same_number()
    {
        var project = Added();
        var first = project.Send(new ReservePipelineNumber(Project, Pipeline));
        Assert.Equal(new ProjectReplies.PipelineNumberReserved(Pipeline, 1), first.Reply);
        Assert.Equal(new ProjectReplies.PipelineNumberReserved(Second, 2), project.Send(new ReservePipelineNumber(Project, Second)).Reply);

        var retry = project.Send(new ReservePipelineNumber(Project, Pipeline));
        Assert.Empty(retry.Events);
        Assert.Equal(new ProjectReplies.PipelineNumberReserved(Pipeline, 1), retry.Reply);
        Assert.Equal(2, project.State.LastPipelineNumber);
    }

    [Fact]
    public void Job_numbers_are_reserved_in_consecutive_blocks_and_a_retry_gets_the_same_block()
    {
        var project = Added();
        Assert.Equal(new ProjectReplies.JobNumbersReserved(Pipeline, 1, 3), project.Send(new ReserveJobNumbers(Project, Pipeline, 3)).Reply);
        Assert.Equal(new ProjectReplies.JobNumbersReserved(Second, 4, 2), project.Send(new ReserveJobNumbers(Project, Second, 2)).Reply);

        var retry = project.Send(new ReserveJobNumbers(Project, Pipeline, 10));
        Assert.Empty(retry.Events);
        Assert.Equal(new ProjectReplies.JobNumbersReserved(Pipeline, 1, 3), retry.Reply);
        Assert.Equal(5, project.State.LastJobNumber);
    }

    [Fact]
    public void A_pipeline_without_jobs_reserves_an_empty_block_that_takes_no_number()
    {
        var project = Added();
        project.Send(new ReserveJobNumbers(Project, Pipeline, 0));
        Assert.Equal(new ProjectReplies.JobNumbersReserved(Second, 1, 2), project.Send(new ReserveJobNumbers(Project, Second, 2)).Reply);
    }

    [Fact]
    public void A_negative_job_count_is_refused() =>
        Assert.Equal(RejectionKind.Invalid, Assert.IsType<Rejected>(Added().Send(new ReserveJobNumbers(Project, Pipeline, -1)).Reply).Kind);

    [Fact]
    public void Commands_to_a_project_that_was_never_added_are_not_found()
    {
        foreach (var command in new IProjectCommand[]
                 {
                     new ReservePipelineNumber(Project, Pipeline), new ReserveJobNumbers(Project, Pipeline, 1), new ProjectQueries.GetProject(Project),
                 })
            Assert.Equal(RejectionKind.NotFound, Assert.IsType<Rejected>(NewProject().Send(command).Reply).Kind);
    }

    [Fact]
    public void A_command_repeated_after_it_took_effect_decides_no_new_events()
    {
        var project = NewProject();
        foreach (var command in new IProjectCommand[]
                 {
                     Add, new ReservePipelineNumber(Project, Pipeline), new ReserveJobNumbers(Project, Pipeline, 3),
                     new ReservePipelineNumber(Project, Second), new ReserveJobNumbers(Project, Second, 1),
                 })
        {
            Assert.NotEmpty(project.Send(command).Events);
            var again = project.Peek(command);
            Assert.Empty(again.Events);
            Assert.IsNotType<Rejected>(again.Reply);
        }
        var replayed = project.Replay();
        Assert.Equal((project.State.LastPipelineNumber, project.State.LastJobNumber), (replayed.LastPipelineNumber, replayed.LastJobNumber));
        Assert.Equal(project.State.JobNumberBlocks, replayed.JobNumberBlocks.ToDictionary());
    }

    private static readonly ProjectAdded AddedEvent = new(Project, "u", "main", "s", Actor.Admin, T0);

    public static TheoryData<string, object[], object> Contradictions => new()
    {
        { "added twice", [AddedEvent], AddedEvent },
        { "a number before the project", [], new PipelineNumberReserved(Project, Pipeline, 1, T0) },
        { "a pipeline number skipped", [AddedEvent], new PipelineNumberReserved(Project, Pipeline, 2, T0) },
        { "a pipeline number handed out twice", [AddedEvent, new PipelineNumberReserved(Project, Pipeline, 1, T0)], new PipelineNumberReserved(Project, Second, 1, T0) },
        { "a pipeline numbered twice", [AddedEvent, new PipelineNumberReserved(Project, Pipeline, 1, T0)], new PipelineNumberReserved(Project, Pipeline, 2, T0) },
        { "job numbers skipped", [AddedEvent], new JobNumbersReserved(Project, Pipeline, 2, 3, T0) },
        { "job numbers overlapping", [AddedEvent, new JobNumbersReserved(Project, Pipeline, 1, 3, T0)], new JobNumbersReserved(Project, Second, 3, 1, T0) },
        { "a pipeline given two blocks", [AddedEvent, new JobNumbersReserved(Project, Pipeline, 1, 3, T0)], new JobNumbersReserved(Project, Pipeline, 4, 1, T0) },
        { "an empty block given twice", [AddedEvent, new JobNumbersReserved(Project, Pipeline, 1, 0, T0)], new JobNumbersReserved(Project, Pipeline, 1, 0, T0) },
        { "a negative block", [AddedEvent], new JobNumbersReserved(Project, Pipeline, 1, -2, T0) },
        { "not a project event", [AddedEvent], "hello" },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void An_event_that_contradicts_the_state_throws(string what, object[] history, object next)
    {
        var state = history.Aggregate(ProjectState.Empty(Project), (s, e) => s.Apply(e));
        Assert.Throws<InvalidOperationException>(() => state.Apply(next));
        Assert.NotEmpty(what);
    }
}
