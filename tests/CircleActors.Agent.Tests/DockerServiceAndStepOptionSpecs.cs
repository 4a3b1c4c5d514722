using CircleActors.Agent.Executors.Docker;
using CircleActors.Agent.Steps;
using CircleActors.Domain.Config;
using Docker.DotNet;
using static CircleActors.Agent.Tests.Tasks;
using ConfigDockerExecutor = CircleActors.Domain.Config.DockerExecutor;
using DockerExecutor = CircleActors.Agent.Executors.Docker.DockerExecutor;

namespace CircleActors.Agent.Tests;

/// <summary>
/// Service containers, resource limits and the run step options (no_output_timeout, background)
/// on the real Docker engine, in the busybox image the scripts build.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class DockerServiceAndStepOptionSpecs : IDisposable
{
    private const string Busybox = DockerEngineFixture.BusyboxImage;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly string agentName = $"test-{Guid.NewGuid():N}";
    private readonly DockerExecutor executor;
    private readonly DockerClient client;

    public DockerServiceAndStepOptionSpecs(DockerEngineFixture engine)
    {
        _ = engine;
        executor = new DockerExecutor(new DockerExecutorOptions(agentName));
        client = new DockerClientConfiguration(executor.Endpoint).CreateClient();
    }

    public void Dispose()
    {
        executor.RemoveLeftoversAsync(agentName, CancellationToken.None).GetAwaiter().GetResult();
        executor.Dispose();
        client.Dispose();
    }

    /// <summary>A busybox service answering every connection on port 8080 with a line that shows its environment and user.</summary>
    private static DockerImage WebService(string name = "web") => new(Busybox, Name: name,
        Entrypoint: ["/bin/sh", "-c"],
        Command: ["while :; do echo \"page from $GREETING as $(id -u)\" | nc -l -p 8080; done"],
        User: "65534",
        Environment: new Dictionary<string, string> { ["GREETING"] = "the service" });

    private const string FetchWithRetries =
        "for i in $(seq 1 50); do out=$(nc $HOST 8080 </dev/null) && [ -n \"$out\" ] && echo \"$out\" && exit 0; sleep 0.1; done; exit 1";

    [Fact]
    public async Task A_service_container_answers_on_localhost_and_on_its_name_with_its_own_command_user_and_environment()
    {
        var job = new JobDefinition("build", new ConfigDockerExecutor([new DockerImage(Busybox), WebService()]),
        [
            new RunStep(FetchWithRetries, Name: "localhost", Environment: new Dictionary<string, string> { ["HOST"] = "localhost" }),
            new RunStep(FetchWithRetries, Name: "by name", Environment: new Dictionary<string, string> { ["HOST"] = "web" }),
        ]);
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        Assert.Contains("page from the service as 65534\n", reporter.OutputOf(1));
        Assert.Contains("page from the service as 65534\n", reporter.OutputOf(2));
        Assert.Contains("Service container web (circleactors/busybox:latest) is running", reporter.OutputOf(0));
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    [Fact]
    public async Task Every_container_is_limited_to_the_resource_class_and_all_are_removed_with_the_environment()
    {
        var job = new JobDefinition("build", new ConfigDockerExecutor([new DockerImage(Busybox), WebService()]), [], ResourceClass: "small");

        var environment = await executor.PrepareAsync(Spec(job), _ => { }, CancellationToken.None);
        var containers = await executor.ListContainersAsync(agentName, CancellationToken.None);
        var inspected = await Task.WhenAll(containers.Select(c => client.Containers.InspectContainerAsync(c.ID)));
        await environment.DisposeAsync();

        Assert.Equal(2, inspected.Length);
        Assert.All(inspected, c =>
        {
            Assert.Equal(1_000_000_000L, c.HostConfig.NanoCPUs);
            Assert.Equal(2048L * 1024 * 1024, c.HostConfig.Memory);
        });
        var primary = inspected.Single(c => !c.HostConfig.NetworkMode.StartsWith("container:", StringComparison.Ordinal));
        var service = inspected.Single(c => c.HostConfig.NetworkMode.StartsWith("container:", StringComparison.Ordinal));
        Assert.Equal($"container:{primary.ID}", service.HostConfig.NetworkMode);
        Assert.Contains("web:127.0.0.1", primary.HostConfig.ExtraHosts);
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_service_image_is_an_infrastructure_failure_that_leaves_no_container()
    {
        var job = new JobDefinition("build", new ConfigDockerExecutor([new DockerImage(Busybox), new DockerImage("circleactors/not-here:2.0", Name: "db")]), [new RunStep("true")]);
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.InfrastructureFail, result.Outcome);
        Assert.Contains("image \"circleactors/not-here:2.0\" is not available on this agent's Docker engine", result.Reason);
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    /// <summary>
    /// A registry on 127.0.0.1 (which the engine reaches over plain HTTP) that asks for Basic
    /// credentials, records what it is sent and has no images.
    /// </summary>
    private sealed class RecordingRegistry : IDisposable
    {
        private readonly System.Net.HttpListener listener = new();
        private readonly List<string> authorizations = [];

        public RecordingRegistry()
        {
            Port = FreePorts.Next();
            listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            listener.Start();
            _ = ServeAsync();
        }

        public int Port { get; }

        public IReadOnlyList<string> Authorizations
        {
            get { lock (authorizations) return authorizations.ToList(); }
        }

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                System.Net.HttpListenerContext context;
                try { context = await listener.GetContextAsync(); }
                catch (Exception ex) when (ex is System.Net.HttpListenerException or ObjectDisposedException) { return; }
                var authorization = context.Request.Headers["Authorization"];
                if (authorization is null)
                {
                    context.Response.StatusCode = 401;
                    context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"test\"");
                }
                else
                {
                    lock (authorizations) authorizations.Add(authorization);
                    context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/v2/" ? 200 : 404;
                }
                context.Response.Close();
            }
        }

        public void Dispose() => listener.Close();
    }

    [Fact]
    public async Task An_image_the_engine_lacks_is_pulled_with_its_auth_expanded_from_the_project_variables()
    {
        using var registry = new RecordingRegistry();
        var image = $"127.0.0.1:{registry.Port}/acme/private:1.0";
        var job = new JobDefinition("build", new ConfigDockerExecutor([new DockerImage(image, Auth: new DockerAuth("deployer", "${REGISTRY_PASSWORD}"))]),
            [new RunStep("echo never")]);
        var project = new StaticProjectEnvironment(new() { ["REGISTRY_PASSWORD"] = "pull-pass-81c2" });
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor, projectEnvironment: project).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.InfrastructureFail, result.Outcome);
        Assert.Contains($"image \"{image}\" is not available on this agent's Docker engine and could not be pulled", result.Reason);
        Assert.Contains($"Image {image} is not on this agent's Docker engine: pulling it as deployer\n", reporter.OutputOf(0));
        var expected = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("deployer:pull-pass-81c2"));
        Assert.Contains(expected, registry.Authorizations);
        Assert.DoesNotContain("pull-pass-81c2", reporter.AllOutput + result.Reason);
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    [Fact]
    public async Task Cancelling_a_job_with_a_service_stops_it_within_two_seconds_and_removes_every_container()
    {
        var job = new JobDefinition("build", new ConfigDockerExecutor([new DockerImage(Busybox), WebService()]),
            [new RunStep("echo started; sleep 60", Name: "Long")]);
        var reporter = new RecordingReporter();
        using var cancellation = new CancellationTokenSource();
        var running = new TaskRunner(executor).RunAsync(Spec(job), reporter, cancellation.Token);

        await reporter.OutputContaining("started").WaitAsync(TestTimeout);
        Assert.Equal(2, (await executor.ListContainersAsync(agentName, CancellationToken.None)).Count);
        var cancelAt = reporter.Now;
        cancellation.Cancel();
        var result = await running.WaitAsync(TestTimeout);

        Assert.Equal(TaskOutcome.Canceled, result.Outcome);
        Assert.True(reporter.Finished(1).At - cancelAt < TimeSpan.FromSeconds(2), $"the step ended {reporter.Finished(1).At - cancelAt} after the cancel");
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }

    [Fact]
    public async Task A_silent_step_is_stopped_after_its_no_output_timeout_and_the_container_still_runs_the_always_steps()
    {
        var job = DockerJob(Busybox,
            new RunStep("echo begins; sleep 30; echo too-late", Name: "Silent", NoOutputTimeout: "2s"),
            new RunStep("echo cleanup ran", When: StepWhen.Always));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        // Once (2026-11-24, a slow machine) this ended infrastructure_fail with no word of why: say it.
        Assert.True(result.Outcome == TaskOutcome.Failed, $"{result.Outcome}: {result.Reason}\n{reporter.AllOutput}");
        Assert.Contains("step 1 (Silent) timed out", result.Reason);
        Assert.Equal(StepOutcome.TimedOut, reporter.OutcomeOf(1));
        Assert.Contains("Too long with no output (exceeded 2s): context deadline exceeded\n", reporter.OutputOf(1));
        Assert.DoesNotContain("too-late", reporter.AllOutput);
        var silentFor = reporter.Finished(1).At - reporter.Events.First(e => e.Kind == "output" && e.Step == 1).At;
        Assert.InRange(silentFor, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(6));
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(2));
        Assert.Contains("cleanup ran\n", reporter.OutputOf(2));
    }

    [Fact]
    public async Task A_background_step_runs_beside_the_next_steps_under_its_own_output_and_is_stopped_when_the_job_ends()
    {
        var job = DockerJob(Busybox,
            new RunStep("mkdir -p /srv && echo served > /srv/index.html && echo serving && exec httpd -f -p 9090 -h /srv", Name: "Server", Background: true),
            new RunStep("for i in $(seq 1 50); do wget -q -O - http://localhost:9090/ && exit 0; sleep 0.1; done; exit 1", Name: "Client"));
        var reporter = new RecordingReporter();

        var result = await new TaskRunner(executor).RunAsync(Spec(job), reporter, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.True(result.Outcome == TaskOutcome.Success, reporter.AllOutput);
        Assert.Equal(["Spin up environment", "Server", "Client"], reporter.StepNames);
        Assert.Contains("serving\n", reporter.OutputOf(1));
        Assert.Contains("served\n", reporter.OutputOf(2));
        Assert.Equal(StepOutcome.Success, reporter.OutcomeOf(2));
        Assert.Equal(StepOutcome.Canceled, reporter.OutcomeOf(1));
        Assert.Contains("stopped: the job's steps are done\n", reporter.OutputOf(1));
        // The background step is reported finished after the last step, once the job's steps are done.
        Assert.True(reporter.Finished(1).At >= reporter.Finished(2).At);
        Assert.Empty(await executor.ListContainersAsync(agentName, CancellationToken.None));
    }
}
