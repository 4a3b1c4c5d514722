using CircleActors.Domain.Config;
using static CircleActors.Domain.Tests.Config.Parsing;

namespace CircleActors.Domain.Tests.Config;

/// <summary>Jobs: where they run, their settings, their environment and their steps.</summary>
public sealed class JobSpecs
{
    private static JobDefinition Build(string jobBody, string topLevel = "") =>
        Valid($"""
            version: 2.1
            {topLevel}
            jobs:
              build:
            {jobBody}
            """).Jobs["build"];

    [Fact]
    public void A_docker_job_lists_its_images_with_their_settings_the_first_being_primary()
    {
        var job = Build("""
                docker:
                  - image: cimg/node:20.1
                    user: circleci
                    entrypoint: /bin/sh
                    command: [-c, sleep infinity]
                    environment: {TZ: UTC}
                  - image: postgres:16
                    name: db
                    command: postgres -c fsync=off
                steps: [checkout]
            """);

        var images = Assert.IsType<DockerExecutor>(job.Executor).Images;
        Assert.Equal(("cimg/node:20.1", null, "circleci"), (images[0].Image, images[0].Name, images[0].User));
        Assert.Equal(["/bin/sh"], images[0].Entrypoint!);
        Assert.Equal(["-c", "sleep infinity"], images[0].Command!);
        Assert.Equal(new Dictionary<string, string> { ["TZ"] = "UTC" }, images[0].Environment);
        Assert.Equal(("postgres:16", "db"), (images[1].Image, images[1].Name));
        Assert.Equal(["postgres -c fsync=off"], images[1].Command!);
    }

    [Fact]
    public void A_docker_images_auth_is_kept_as_written_for_the_agent_to_expand()
    {
        var job = Build("""
                docker:
                  - image: registry.example/app:1
                    auth:
                      username: deployer
                      password: $REGISTRY_PASSWORD
                steps: [checkout]
            """);

        Assert.Equal(new DockerAuth("deployer", "$REGISTRY_PASSWORD"), Assert.IsType<DockerExecutor>(job.Executor).Images[0].Auth);
    }

    [Fact]
    public void A_job_gets_the_documented_defaults()
    {
        var job = Build("""
                docker: [{image: alpine}]
                steps: [checkout]
            """);

        Assert.Equal((ResourceClasses.Default, "~/project", 1, (string?)null), (job.ResourceClass, job.WorkingDirectory, job.Parallelism, job.Shell));
        Assert.Empty(job.EnvironmentOrEmpty);
    }

    [Fact]
    public void A_job_reads_its_resource_class_shell_working_directory_and_parallelism()
    {
        var job = Build("""
                docker: [{image: alpine}]
                resource_class: xlarge
                shell: /bin/bash -eo pipefail
                working_directory: /src
                parallelism: 4
                steps: [checkout]
            """);

        Assert.Equal(("xlarge", "/bin/bash -eo pipefail", "/src", 4), (job.ResourceClass, job.Shell, job.WorkingDirectory, job.Parallelism));
    }

    [Fact]
    public void A_machine_job_is_either_true_or_a_map_with_an_image()
    {
        Assert.Equal(new MachineExecutor(), Build("    machine: true\n    steps: [checkout]").Executor);
        Assert.Equal(new MachineExecutor("ubuntu-2204:current"), Build("    machine: {image: ubuntu-2204:current}\n    steps: [checkout]").Executor);
    }

    [Fact]
    public void A_macos_job_keeps_its_xcode_version()
    {
        Assert.Equal(new MacosExecutor("15.4.0"), Build("    macos: {xcode: 15.4.0}\n    steps: [checkout]").Executor);
    }

    [Fact]
    public void A_job_on_a_named_executor_takes_its_settings_unless_it_sets_its_own()
    {
        const string executors = """
            executors:
              node:
                parameters: {tag: {type: string, default: "20.1"}}
                docker: [{image: "cimg/node:<< parameters.tag >>"}]
                resource_class: large
                working_directory: /app
                environment: {A: executor, B: executor}
            """;
        var byString = Build("    executor: node\n    environment: {B: job}\n    working_directory: /mine\n    steps: [checkout]", executors);
        var byMap = Build("    executor: {name: node, tag: \"18.0\"}\n    steps: [checkout]", executors);

        Assert.Equal("cimg/node:20.1", Assert.IsType<DockerExecutor>(byString.Executor).Images[0].Image);
        Assert.Equal(("large", "/mine"), (byString.ResourceClass, byString.WorkingDirectory));
        Assert.Equal(new Dictionary<string, string> { ["A"] = "executor", ["B"] = "job" }, byString.Environment);
        Assert.Equal("cimg/node:18.0", Assert.IsType<DockerExecutor>(byMap.Executor).Images[0].Image);
        Assert.Equal("/app", byMap.WorkingDirectory);
    }

    [Fact]
    public void A_job_on_an_orb_executor_keeps_the_reference_for_the_pipeline_to_report()
    {
        Assert.Equal(new OrbExecutor("node/default"), Build("    executor: node/default\n    steps: [checkout]", "orbs: {node: circleci/node@5.0}").Executor);
    }

    [Fact]
    public void Environment_as_a_map_keeps_numbers_and_booleans_as_written()
    {
        var job = Build("""
                docker: [{image: alpine}]
                environment:
                  PORT: 8080
                  RATIO: 2.50
                  DEBUG: yes
                  STRICT: false
                  EMPTY:
                  QUOTED: "x=y"
                steps: [checkout]
            """);

        Assert.Equal(new Dictionary<string, string>
        {
            ["PORT"] = "8080", ["RATIO"] = "2.50", ["DEBUG"] = "yes", ["STRICT"] = "false", ["EMPTY"] = "", ["QUOTED"] = "x=y",
        }, job.Environment);
    }

    [Fact]
    public void Environment_as_a_list_of_name_equals_value_strings_splits_at_the_first_equals()
    {
        var job = Build("""
                docker: [{image: alpine}]
                environment:
                  - PATH=/bin:/usr/bin
                  - OPTS=--a=b
                  - EMPTY=
                steps: [checkout]
            """);

        Assert.Equal(new Dictionary<string, string> { ["PATH"] = "/bin:/usr/bin", ["OPTS"] = "--a=b", ["EMPTY"] = "" }, job.Environment);
    }

    [Fact]
    public void Environment_as_a_list_of_single_key_maps_is_read_like_a_map()
    {
        var job = Build("""
                docker: [{image: alpine}]
                environment:
                  - NODE_ENV: test
                  - WORKERS: 2
                steps: [checkout]
            """);

        Assert.Equal(new Dictionary<string, string> { ["NODE_ENV"] = "test", ["WORKERS"] = "2" }, job.Environment);
    }

    [Fact]
    public void Checkout_is_a_bare_word_or_a_map_with_a_path()
    {
        var job = Build("""
                docker: [{image: alpine}]
                steps:
                  - checkout
                  - checkout: {path: ~/src}
                  - checkout:
            """);

        Assert.Equal<Step>([new CheckoutStep(), new CheckoutStep("~/src"), new CheckoutStep()], job.Steps);
    }

    [Fact]
    public void A_short_run_step_is_its_command_and_is_named_after_its_first_line()
    {
        var job = Build("""
                docker: [{image: alpine}]
                steps:
                  - run: |
                      make test
                      make lint
            """);

        var run = Assert.IsType<RunStep>(Assert.Single(job.Steps));
        Assert.Equal("make test\nmake lint", run.Command);
        Assert.Equal("make test", run.DisplayName);
    }

    [Fact]
    public void A_long_run_step_reads_all_its_settings()
    {
        var job = Build("""
                docker: [{image: alpine}]
                steps:
                  - run:
                      name: Serve
                      command: ./serve
                      shell: /bin/sh
                      working_directory: /srv
                      environment: [PORT=80]
                      background: true
                      no_output_timeout: 20m
                      when: always
            """);

        var run = Assert.IsType<RunStep>(Assert.Single(job.Steps));
        Assert.Equal(("Serve", "./serve", "/bin/sh", "/srv", true, "20m", StepWhen.Always),
            (run.Name, run.Command, run.Shell, run.WorkingDirectory, run.Background, run.NoOutputTimeout, run.When));
        Assert.Equal("80", run.Environment!["PORT"]);
    }

    [Theory]
    [InlineData("on_success", StepWhen.OnSuccess)]
    [InlineData("always", StepWhen.Always)]
    [InlineData("on_fail", StepWhen.OnFail)]
    public void A_run_step_runs_when_its_when_says(string written, StepWhen expected)
    {
        var job = Build($"    docker: [{{image: alpine}}]\n    steps: [{{run: {{command: x, when: {written}}}}}]");

        Assert.Equal(expected, ((RunStep)job.Steps[0]).When);
    }

    [Fact]
    public void Every_built_in_step_is_read_into_its_own_record()
    {
        var job = Build("""
                docker: [{image: alpine}]
                steps:
                  - setup_remote_docker
                  - save_cache: {key: v1, paths: [node_modules]}
                  - restore_cache: {keys: [v1]}
                  - store_artifacts: {path: out}
                  - store_test_results: {path: results}
                  - persist_to_workspace: {root: ., paths: [dist]}
                  - attach_workspace: {at: .}
                  - add_ssh_keys
                  - deploy: {command: ./deploy}
                  - restore_cache: {key: v2}
                  - add_ssh_keys: {fingerprints: ["SO:ME:FI:NG"]}
                  - setup_remote_docker: {version: "20.10.18", docker_layer_caching: true}
            """);

        Assert.Equal(
            new List<Step>
            {
                new SetupRemoteDockerStep(), new SaveCacheStep("v1", ["node_modules"]), new RestoreCacheStep(["v1"]),
                new StoreArtifactsStep("out"), new StoreTestResultsStep("results"), new PersistToWorkspaceStep(".", ["dist"]),
                new AttachWorkspaceStep("."), new AddSshKeysStep(), new DeployStep(new RunStep("./deploy")), new RestoreCacheStep(["v2"]),
                new AddSshKeysStep(["SO:ME:FI:NG"]), new SetupRemoteDockerStep("20.10.18", DockerLayerCaching: true),
            }.Select(step => System.Text.Json.JsonSerializer.Serialize(step)),
            job.Steps.Select(step => System.Text.Json.JsonSerializer.Serialize(step)));
    }

    [Fact]
    public void A_job_without_an_executor_is_an_error_at_the_job()
    {
        var error = SingleError("""
            version: 2
            jobs:
              build:
                steps: [checkout]
            """);

        AssertAt(error, 3, 3, "job 'build' has no executor");
    }

    [Fact]
    public void A_job_without_steps_is_an_error_at_the_job()
    {
        var error = SingleError("""
            version: 2
            jobs:
              build:
                docker: [{image: alpine}]
            """);

        AssertAt(error, 3, 3, "job 'build' has no steps");
    }

    [Fact]
    public void A_job_with_an_empty_list_of_steps_is_an_error_at_the_job()
    {
        AssertAt(SingleError("version: 2\njobs:\n  build:\n    docker: [{image: alpine}]\n    steps: []\n"), 3, 3, "has no steps");
    }

    [Fact]
    public void A_job_with_two_executors_is_an_error_at_the_second()
    {
        var error = SingleError("""
            version: 2
            jobs:
              build:
                docker: [{image: alpine}]
                machine: true
                steps: [checkout]
            """);

        AssertAt(error, 5, 5, "more than one executor");
    }

    [Fact]
    public void A_job_on_an_undefined_executor_is_an_error_at_the_name()
    {
        var error = SingleError("""
            version: 2.1
            jobs:
              build:
                executor: {name: nowhere}
                steps: [checkout]
            """);

        AssertAt(error, 4, 22, "executor 'nowhere', which is not defined");
    }

    [Theory]
    [InlineData("parallelism: 0", 4, 18, "parallelism")]
    [InlineData("parallelism: many", 4, 18, "parallelism")]
    [InlineData("environment: just-a-string", 4, 18, "environment")]
    [InlineData("environment: [NO_EQUALS]", 4, 19, "NAME=value")]
    public void A_job_setting_of_the_wrong_shape_is_an_error_at_its_value(string setting, int line, int column, string fragment)
    {
        var error = SingleError($"version: 2\njobs:\n  build:\n    {setting}\n    docker: [{{image: alpine}}]\n    steps: [checkout]\n");

        AssertAt(error, line, column, fragment);
    }

    [Theory]
    [InlineData("{run: {name: no command}}", 5, 19, "needs a command")]
    [InlineData("{run: {command: x, when: sometimes}}", 5, 38, "sometimes")]
    [InlineData("{run: x, name: y}", 5, 13, "single key")]
    public void A_malformed_step_is_an_error_at_the_step(string step, int line, int column, string fragment)
    {
        var error = SingleError($"version: 2\njobs:\n  build:\n    docker: [{{image: alpine}}]\n    steps: [{step}]\n");

        AssertAt(error, line, column, fragment);
    }
}
