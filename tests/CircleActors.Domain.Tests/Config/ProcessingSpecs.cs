using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>
/// 2.1 processing: the "resolves to" examples of the spec pages (reusing-config, using-matrix-jobs,
/// orb-concepts, configuration-reference, pipeline-variables) and the errors CircleCI reports.
/// </summary>
public sealed class ProcessingSpecs
{
    private sealed class Registry(Dictionary<string, string> orbs) : IOrbRegistry
    {
        public string? Find(string reference) => orbs.GetValueOrDefault(reference);
    }

    private static ConfigParseResult Process(string yaml, ConfigOptions? options = null) =>
        ConfigParser.Parse(yaml, ConfigParser.DefaultFileName, options ?? ConfigOptions.Default);

    private static PipelineConfig Valid(string yaml, ConfigOptions? options = null)
    {
        var result = Process(yaml, options);
        Assert.Empty(result.Errors.Select(error => error.ToString()));
        return result.Config!;
    }

    private static ConfigError Error(string yaml, ConfigOptions? options = null)
    {
        var result = Process(yaml, options);
        Assert.False(result.IsValid);
        return result.Errors[0];
    }

    private static IEnumerable<string> Commands(JobDefinition job) => job.Steps.Select(step => Assert.IsType<RunStep>(step).Command.TrimEnd('\n'));

    [Fact]
    public void A_steps_parameter_splices_its_steps_where_the_command_says_as_reusing_config_resolves_it()
    {
        var config = Valid("""
            version: 2.1
            commands:
              run-tests:
                parameters:
                  after-deps:
                    type: steps
                    default: []
                steps:
                  - run: make deps
                  - steps: << parameters.after-deps >>
                  - run: make test
            jobs:
              build:
                docker:
                  - image: cimg/base:2023.11
                steps:
                  - run-tests:
                      after-deps:
                        - run: echo "The dependencies are installed"
                        - run: echo "And now I'm going to run the tests"
            """);

        Assert.Equal(["make deps", "echo \"The dependencies are installed\"", "echo \"And now I'm going to run the tests\"", "make test"],
            Commands(config.Jobs["build"]));
    }

    [Fact]
    public void A_jobs_own_executor_keys_win_over_its_executors_and_environments_add_up()
    {
        var config = Valid("""
            version: 2.1
            executors:
              node:
                docker:
                  - image: cimg/node:lts
                environment:
                  ENV: ci
            jobs:
              build:
                docker:
                  - image: cimg/base:stable
                executor: node
                steps:
                  - run: echo "Node will not be installed."
            """);

        var build = config.Jobs["build"];
        Assert.Equal("cimg/base:stable", Assert.Single(Assert.IsType<DockerExecutor>(build.Executor).Images).Image);
        Assert.Equal(new Dictionary<string, string> { ["ENV"] = "ci" }, build.Environment);
    }

    [Fact]
    public void A_parameterized_executor_takes_the_arguments_of_the_job_that_invokes_it()
    {
        var config = Valid("""
            version: 2.1
            executors:
              python:
                parameters:
                  tag:
                    type: string
                    default: latest
                  myspecialvar:
                    type: string
                docker:
                  - image: cimg/python:<< parameters.tag >>
                environment:
                  MYPRECIOUS: << parameters.myspecialvar >>
            jobs:
              build:
                executor:
                  name: python
                  tag: "2.7"
                  myspecialvar: "myspecialvalue"
                steps: [checkout]
            """);

        var build = config.Jobs["build"];
        Assert.Equal("cimg/python:2.7", Assert.Single(Assert.IsType<DockerExecutor>(build.Executor).Images).Image);
        Assert.Equal(new Dictionary<string, string> { ["MYPRECIOUS"] = "myspecialvalue" }, build.Environment);
    }

    [Fact]
    public void A_parameterized_job_runs_with_the_arguments_of_its_invocation_and_parameters_of_a_command_are_passed_explicitly()
    {
        var config = Valid("""
            version: 2.1
            jobs:
              sayhello:
                parameters:
                  saywhat:
                    default: "World"
                    type: string
                docker:
                  - image: cimg/base:2023.11
                steps:
                  - say:
                      saywhat: << parameters.saywhat >>
            commands:
              say:
                parameters:
                  saywhat:
                    type: string
                steps:
                  - run: echo "<< parameters.saywhat >>"
            workflows:
              build:
                jobs:
                  - sayhello:
                      saywhat: Everyone
                  - sayhello:
                      name: default-greeting
            """);

        var jobs = config.Workflows[0].Jobs;
        Assert.Equal(["echo \"Everyone\""], Commands(config.Jobs[jobs[0].JobName]));
        Assert.Equal("default-greeting", jobs[1].Name);
        Assert.Equal(["echo \"World\""], Commands(config.Jobs[jobs[1].JobName]));
    }

    [Fact]
    public void A_matrix_expands_into_a_job_per_combination_and_requires_follow_the_matrix_values()
    {
        var config = Valid("""
            version: 2.1
            jobs:
              build:
                parameters: {version: {type: string}}
                docker: [{image: "cimg/base:<< parameters.version >>"}]
                steps: [checkout]
              deploy:
                parameters: {version: {type: string}}
                docker: [{image: cimg/base:stable}]
                steps: [{run: "deploy << parameters.version >>"}]
            workflows:
              workflow:
                jobs:
                  - build:
                      name: build-v<< matrix.version >>
                      matrix:
                        parameters:
                          version: ["0.1", "0.2"]
                  - deploy:
                      name: deploy-v<< matrix.version >>
                      matrix:
                        parameters:
                          version: ["0.1", "0.2"]
                      requires:
                        - build-v<< matrix.version >>
            """);

        var jobs = config.Workflows[0].Jobs;
        Assert.Equal(["build-v0.1", "build-v0.2", "deploy-v0.1", "deploy-v0.2"], jobs.Select(job => job.Name));
        Assert.Equal(["build-v0.1"], jobs[2].Requires);
        Assert.Equal(["build-v0.2"], jobs[3].Requires);
        Assert.Equal(["deploy 0.2"], Commands(config.Jobs[jobs[3].JobName]));
        Assert.Equal("cimg/base:0.1", Assert.IsType<DockerExecutor>(config.Jobs[jobs[0].JobName].Executor).Images[0].Image);
        Assert.All(jobs, job => Assert.Equal(job.Name.StartsWith("build") ? "build" : "deploy", job.Invokes));
    }

    [Fact]
    public void A_matrix_leaves_out_its_exclusions_and_requiring_its_alias_requires_every_job_of_it()
    {
        var config = Valid("""
            version: 2.1
            jobs:
              build:
                parameters: {a: {type: integer}, b: {type: integer}}
                docker: [{image: alpine}]
                steps: [{run: "echo << parameters.a >> << parameters.b >>"}]
              another-job: {docker: [{image: alpine}], steps: [checkout]}
            workflows:
              workflow:
                jobs:
                  - build:
                      matrix:
                        parameters:
                          a: [1, 2, 3]
                          b: [4, 5, 6]
                        exclude:
                          - a: 3
                            b: 5
                  - another-job:
                      requires: [build]
            """);

        var jobs = config.Workflows[0].Jobs;
        var matrix = jobs.Where(job => job.MatrixAlias == "build").Select(job => job.Name).ToList();
        Assert.Equal(8, matrix.Count);
        Assert.Contains("build-1-4", matrix);
        Assert.DoesNotContain("build-3-5", matrix);
        Assert.Equal(matrix, jobs.Single(job => job.Name == "another-job").Requires);
    }

    [Fact]
    public void Pre_and_post_steps_run_around_the_jobs_own_steps()
    {
        var config = Valid("""
            version: 2.1
            jobs:
              bar: {docker: [{image: alpine}], steps: [{run: main}]}
            workflows:
              build:
                jobs:
                  - bar:
                      pre-steps: [{run: before}]
                      post-steps: [{run: after}]
            """);

        Assert.Equal(["before", "main", "after"], Commands(config.Jobs[config.Workflows[0].Jobs[0].JobName]));
    }

    [Fact]
    public void An_inline_orb_brings_its_commands_executors_and_jobs_under_its_name()
    {
        var config = Valid("""
            version: 2.1
            orbs:
              hello:
                executors:
                  default:
                    parameters: {tag: {type: string, default: "13.11"}}
                    docker: [{image: "cimg/node:<<parameters.tag>>"}]
                commands:
                  greet:
                    parameters: {to: {type: string}}
                    steps: [{run: "echo hello << parameters.to >>"}]
                jobs:
                  sayhello:
                    parameters: {saywhat: {type: string, default: World}}
                    executor: default
                    steps: [{greet: {to: << parameters.saywhat >>}}]
            jobs:
              mine:
                executor: {name: hello/default, tag: "20.0"}
                steps: [{hello/greet: {to: me}}]
            workflows:
              build:
                jobs:
                  - mine
                  - hello/sayhello: {saywhat: Everyone}
            """);

        Assert.Equal("cimg/node:20.0", Assert.IsType<DockerExecutor>(config.Jobs["mine"].Executor).Images[0].Image);
        Assert.Equal(["echo hello me"], Commands(config.Jobs["mine"]));
        var orbJob = config.Workflows[0].Jobs[1];
        Assert.Equal(("hello/sayhello", "hello/sayhello"), (orbJob.Name, orbJob.JobName));
        Assert.Equal(["echo hello Everyone"], Commands(config.Jobs[orbJob.JobName]));
        Assert.Equal("cimg/node:13.11", Assert.IsType<DockerExecutor>(config.Jobs[orbJob.JobName].Executor).Images[0].Image);
    }

    [Fact]
    public void A_registry_orb_comes_from_the_orb_registry_and_its_commands_take_their_defaults()
    {
        var source = File.ReadAllText(Path.Combine(Corpus.OrbRegistryFolder, "codecov", "codecov", "1.2.5", "orb.yml"));
        var options = new ConfigOptions(Orbs: new Registry(new() { ["codecov/codecov@1.2.5"] = source }));

        var config = Valid("""
            version: 2.1
            orbs:
              codecov: codecov/codecov@1.2.5
            jobs:
              build:
                docker: [{image: alpine}]
                steps: [{codecov/upload: {file: coverage.xml}}]
            """, options);

        var upload = Assert.IsType<RunStep>(Assert.Single(config.Jobs["build"].Steps));
        Assert.Contains("-f coverage.xml", upload.Command);
        Assert.Contains("-y .codecov.yml", upload.Command);
    }

    [Fact]
    public void A_registry_orb_missing_from_the_registry_is_a_warning_and_what_it_brings_stays_as_written()
    {
        var result = Process("""
            version: 2.1
            orbs:
              node: circleci/node@5.0
            workflows:
              build:
                jobs: [node/test]
            """);

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, warning => warning.Message.Contains("circleci/node@5.0 is not in the orb registry"));
        Assert.Equal("node/test", result.Config!.Workflows[0].Jobs[0].JobName);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("{and: [true, {not: false}]}", true)]
    [InlineData("{or: [false, 0, \"\"]}", false)]
    [InlineData("{equal: [main, << pipeline.git.branch >>]}", true)]
    [InlineData("{equal: [2, 2.0]}", true)]
    [InlineData("{matches: {pattern: \"^feature-.+$\", value: << pipeline.git.branch >>}}", false)]
    [InlineData("{not: {equal: [scheduled_pipeline, << pipeline.trigger_source >>]}}", true)]
    [InlineData("<< pipeline.parameters.run >>", false)]
    [InlineData("{or: [{equal: [main, << pipeline.git.branch >>]}, {equal: [staging, << pipeline.git.branch >>]}]}", true)]
    [InlineData("{equal: [42, << pipeline.number >>]}", true)]
    [InlineData("{and: [true, true, false]}", false)]
    [InlineData("{not: true}", false)]
    [InlineData("42", true)]
    [InlineData("\"a string\"", true)]
    [InlineData("<< pipeline.git.branch >>", true)]
    public void A_workflow_runs_when_its_logic_statement_holds(string statement, bool runs)
    {
        var config = Valid($$"""
            version: 2.1
            parameters:
              run: {type: boolean, default: false}
            jobs:
              build: {docker: [{image: alpine}], steps: [checkout]}
            workflows:
              main:
                when: {{statement}}
                jobs: [build]
            """, new ConfigOptions(new PipelineValues(Number: 42, Branch: "main", TriggerSource: "webhook")));

        Assert.Equal(runs, config.Workflows[0].ConditionHolds);
        Assert.Equal(runs ? 1 : 0, WorkflowFilter.Select(config, GitRef.Branch("main")).Count);
    }

    [Fact]
    public void A_step_condition_is_decided_when_the_config_is_processed()
    {
        var config = Valid("""
            version: 2.1
            jobs:
              build:
                parameters: {deploy: {type: boolean, default: false}}
                docker: [{image: alpine}]
                steps:
                  - run: always
                  - when:
                      condition: << parameters.deploy >>
                      steps: [{run: deploy}]
                  - unless:
                      condition: << parameters.deploy >>
                      steps: [{run: dry-run}]
            workflows:
              main:
                jobs: [{build: {deploy: true, name: release}}, build]
            """);

        var jobs = config.Workflows[0].Jobs;
        Assert.Equal(["always", "deploy"], Commands(config.Jobs[jobs[0].JobName]));
        Assert.Equal(["always", "dry-run"], Commands(config.Jobs[jobs[1].JobName]));
    }

    [Fact]
    public void Pipeline_values_and_parameters_are_substituted_and_parameters_given_override_defaults()
    {
        var config = Valid("""
            version: 2.1
            parameters:
              image-tag: {type: string, default: current}
            jobs:
              build:
                docker: [{image: "cimg/base:<< pipeline.parameters.image-tag >>"}]
                steps:
                  - run: echo << pipeline.git.branch >> << pipeline.number >> << pipeline.project.git_url >>
            """, new ConfigOptions(
                new PipelineValues(Number: 42, Branch: "feature/x", ProjectGitUrl: "https://example.test/repo"),
                new Dictionary<string, object> { ["image-tag"] = "2024.01" }));

        Assert.Equal("cimg/base:2024.01", Assert.IsType<DockerExecutor>(config.Jobs["build"].Executor).Images[0].Image);
        Assert.Equal(["echo feature/x 42 https://example.test/repo"], Commands(config.Jobs["build"]));
    }

    private const string Base = """
        version: 2.1
        jobs:
          build:
            parameters:
              mode: {type: enum, enum: [fast, slow], default: fast}
              count: {type: integer, default: 1}
              key: {type: env_var_name, default: TOKEN}
            docker: [{image: alpine}]
            steps: [{run: "echo << parameters.mode >> << parameters.count >> $<< parameters.key >>"}]

        """;

    [Theory]
    [InlineData("workflows: {main: {jobs: [{build: {mode: medium}}]}}", 10, "must be one of fast, slow")]
    [InlineData("workflows: {main: {jobs: [{build: {count: many}}]}}", 10, "must be an integer")]
    [InlineData("workflows: {main: {jobs: [{build: {key: \"not a name\"}}]}}", 10, "must be an environment variable name")]
    [InlineData("workflows: {main: {jobs: [{build: {colour: red}}]}}", 10, "has no parameter 'colour'")]
    [InlineData("workflows: {main: {jobs: [{other/job: {}}]}}", 10, "no orb 'other' is declared")]
    [InlineData("workflows: {main: {jobs: [{build: {type: approval}}]}}", 10, "has the name of a job defined")]
    [InlineData("workflows: {main: {triggers: [{schedule: {cron: \"61 * * * *\", filters: {branches: {only: main}}}}], jobs: [build]}}", 10, "not a valid five-field cron")]
    [InlineData("workflows: {main: {when: [a, b], jobs: [build]}}", 10, "must be a logic statement")]
    [InlineData("workflows: {main: {when: {and: []}, jobs: [build]}}", 10, "takes a non-empty list")]
    [InlineData("workflows: {main: {when: {nor: [true]}, jobs: [build]}}", 10, "must be a logic statement")]
    public void A_wrong_invocation_is_an_error_naming_what_was_expected(string workflows, int line, string fragment)
    {
        var error = Error(Base + workflows);

        Assert.Equal(line, error.Line);
        Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void Unknown_commands_executors_and_undeclared_parameters_are_errors_where_they_are_used()
    {
        var result = Process("""
            version: 2.1
            commands:
              needs-arg:
                parameters: {what: {type: string}}
                steps: [{run: "echo << parameters.what >>"}]
            jobs:
              build:
                executor: nowhere
                steps:
                  - no-such-command
                  - needs-arg
                  - run: echo << parameters.undeclared >>
            """);

        Assert.Equal([8, 10, 11, 12], result.Errors.Select(error => error.Line).Order());
        Assert.Contains(result.Errors, error => error.Message.Contains("executor 'nowhere', which is not defined"));
        Assert.Contains(result.Errors, error => error.Message.Contains("needs its parameter 'what'"));
    }

    [Fact]
    public void A_command_that_invokes_itself_is_an_error_not_a_hang()
    {
        var error = Error("""
            version: 2.1
            commands:
              loop: {steps: [loop]}
            jobs:
              build: {docker: [{image: alpine}], steps: [loop]}
            """);

        Assert.Contains("more than 32 levels deep", error.Message);
    }

    [Fact]
    public void A_setup_config_is_marked_and_keeps_its_setup_key_when_processed()
    {
        var result = Process("""
            version: 2.1
            setup: true
            jobs:
              generate: {docker: [{image: alpine}], steps: [checkout]}
            workflows:
              setup: {jobs: [generate]}
            """);

        Assert.True(result.IsValid);
        Assert.True(result.Config!.IsSetup);
        Assert.StartsWith("version: 2.1\nsetup: true\n", result.ProcessedYaml);
    }
}
