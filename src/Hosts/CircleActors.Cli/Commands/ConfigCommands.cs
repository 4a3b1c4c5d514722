using System.CommandLine;
using System.Text.Json;
using CircleActors.Domain.Config;

namespace CircleActors.Cli.Commands;

/// <summary>
/// <c>circleactors config process|validate FILE</c>: the config engine offline, as a pipeline would
/// read the file, with registry orbs from <c>DATA_DIR/orbs</c>. Errors are <c>FILE:LINE:COL: message</c>
/// lines on stderr and exit code 1; warnings go to stderr and leave the exit code 0.
/// </summary>
public static class ConfigCommands
{
    public static Command Config()
    {
        return new Command("config", "Process or validate a .circleci/config.yml offline") { Process(), Validate() };
    }

    private static Command Process()
    {
        var file = new Argument<string>("FILE") { Description = "The config file" };
        var parameters = new Option<string?>("--pipeline-parameters") { Description = "Pipeline parameters as a JSON object, e.g. {\"deploy\": true}" };
        var branch = new Option<string?>("--branch") { Description = "The branch, for << pipeline.git.branch >>" };
        var tag = new Option<string?>("--tag") { Description = "The tag, for << pipeline.git.tag >>" };
        var dataDir = ServerCommands.DataDirOption();
        var command = new Command("process", "Print the config with 2.1 reuse expanded into plain jobs and workflows") { file, parameters, branch, tag, dataDir };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var options = new ConfigOptions(
                new PipelineValues(Branch: parse.GetValue(branch), Tag: parse.GetValue(tag)),
                ReadParameters(parse.GetValue(parameters)),
                OrbRegistry(parse.GetValue(dataDir)!));
            var result = Read(parse.GetValue(file)!, options, error);
            if (result is null) return 1;
            output.Write(result.ProcessedYaml);
            return 0;
        });
        return command;
    }

    private static Command Validate()
    {
        var file = new Argument<string>("FILE") { Description = "The config file" };
        var dataDir = ServerCommands.DataDirOption();
        var command = new Command("validate", "Check a config; exit 0 when CircleActors can run it") { file, dataDir };
        command.SetAction(parse =>
        {
            var result = Read(parse.GetValue(file)!, new ConfigOptions(Orbs: OrbRegistry(parse.GetValue(dataDir)!)), parse.InvocationConfiguration.Error);
            if (result is null) return 1;
            parse.InvocationConfiguration.Output.WriteLine($"{parse.GetValue(file)} is valid");
            return 0;
        });
        return command;
    }

    public static DirectoryOrbRegistry OrbRegistry(string dataDirectory) => new(Path.Combine(dataDirectory, CircleActors.Server.Hosting.ServerHost.OrbDirectory));

    /// <summary>The config read as a pipeline reads it, or null after printing its errors; warnings are printed either way.</summary>
    private static ConfigParseResult? Read(string path, ConfigOptions options, TextWriter error)
    {
        var result = ConfigParser.Parse(File.ReadAllText(path), path, options);
        foreach (var warning in result.Warnings) error.WriteLine($"{warning.File}:{warning.Line}:{warning.Column}: warning: {warning.Message}");
        foreach (var problem in result.Errors) error.WriteLine(problem);
        return result.IsValid ? result : null;
    }

    private static Dictionary<string, object>? ReadParameters(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ArgumentException("--pipeline-parameters must be a JSON object of names to values");
        return document.RootElement.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when property.Value.TryGetInt64(out var number) => number,
            JsonValueKind.String => (object)property.Value.GetString()!,
            _ => throw new ArgumentException($"pipeline parameter {property.Name} must be a string, a boolean or a whole number"),
        });
    }
}
