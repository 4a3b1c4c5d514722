using System.CommandLine;
using CircleActors.Cli.Commands;

namespace CircleActors.Cli.Tests;

/// <summary><c>circleactors config</c> and <c>circleactors orb</c> as an operator runs them: exit codes, stdout and stderr.</summary>
public sealed class ConfigAndOrbCommandSpecs : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("circleactors-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private (int Exit, string Output, string Error) Run(params string[] args)
    {
        var root = new RootCommand { ConfigCommands.Config(), OrbCommands.Orb() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = root.Parse([.. args, "--data-dir", folder]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Valid = """
        version: 2.1
        orbs:
          greet: acme/greet@1.0.0
        parameters:
          who: {type: string, default: world}
        jobs:
          build:
            docker: [{image: alpine}]
            steps:
              - greet/hello: {to: << pipeline.parameters.who >>}
              - run: echo << pipeline.git.branch >>
          unused:
            docker: [{image: alpine}]
            steps: [checkout]
        workflows:
          main:
            jobs: [build]
        """;

    private const string Orb = """
        version: 2.1
        commands:
          hello:
            parameters: {to: {type: string}}
            steps: [{run: "echo hello << parameters.to >>"}]
        """;

    [Fact]
    public void Validate_exits_zero_for_a_valid_config_and_prints_its_warnings_to_stderr()
    {
        var file = Write("config.yml", Valid);
        Run("orb", "import", Write("greet.yml", Orb), "--name", "acme/greet@1.0.0");

        var (exit, output, error) = Run("config", "validate", file);

        Assert.Equal(0, exit);
        Assert.Contains("is valid", output);
        Assert.Contains($"{file}:12:3: warning: job 'unused' is defined but no workflow runs it", error);
    }

    [Fact]
    public void Validate_exits_non_zero_with_one_file_line_column_line_per_error()
    {
        var file = Write("config.yml", Valid.Replace("{to: << pipeline.parameters.who >>}", "{to: x, loud: true}"));
        Run("orb", "import", Write("greet.yml", Orb), "--name", "acme/greet@1.0.0");

        var (exit, _, error) = Run("config", "validate", file);

        Assert.NotEqual(0, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.Contains("warning:"));
        Assert.Equal($"{file}:10:30: command 'greet/hello' has no parameter 'loud' (it declares to)", line);
    }

    [Fact]
    public void Process_prints_plain_jobs_that_process_to_themselves()
    {
        Run("orb", "import", Write("greet.yml", Orb), "--name", "acme/greet@1.0.0");
        var file = Write("config.yml", Valid);

        var (exit, once, _) = Run("config", "process", file, "--branch", "main", "--pipeline-parameters", "{\"who\": \"team\"}");
        var (againExit, twice, _) = Run("config", "process", Write("processed.yml", once));

        Assert.Equal((0, 0), (exit, againExit));
        Assert.Contains("echo hello team", once);
        Assert.Contains("echo main", once);
        Assert.DoesNotContain("orbs:", once);
        Assert.Equal(once, twice);
    }

    [Fact]
    public void Orb_import_then_list_shows_the_orb_and_a_broken_orb_is_refused()
    {
        var (importExit, imported, _) = Run("orb", "import", Write("greet.yml", Orb), "--name", "acme/greet@1.0.0");
        var (brokenExit, _, brokenError) = Run("orb", "import", Write("broken.yml", "commands:\n  x: [\n"), "--name", "acme/broken@0.1.0");
        var (listExit, listed, _) = Run("orb", "list");

        Assert.Equal((0, 0), (importExit, listExit));
        Assert.Contains("imported acme/greet@1.0.0", imported);
        Assert.NotEqual(0, brokenExit);
        Assert.Contains("YAML syntax error", brokenError);
        Assert.Equal(["acme/greet@1.0.0"], listed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
