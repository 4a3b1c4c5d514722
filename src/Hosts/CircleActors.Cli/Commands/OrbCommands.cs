using System.CommandLine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Cli.Commands;

/// <summary>
/// <c>circleactors orb import|list</c>: the local orb registry in <c>DATA_DIR/orbs</c>, from which
/// configs take their registry orbs (<c>ns/name@version</c>); there is no network fetch.
/// </summary>
public static class OrbCommands
{
    public static Command Orb() => new("orb", "Manage the local orb registry") { Import(), List() };

    private static Command Import()
    {
        var file = new Argument<string>("FILE") { Description = "The orb's YAML source (as circleci orb source prints it)" };
        var name = new Option<string>("--name") { Description = "The orb reference: namespace/name@version", Required = true };
        var dataDir = ServerCommands.DataDirOption();
        var command = new Command("import", "Store an orb file under its reference") { file, name, dataDir };
        command.SetAction(parse =>
        {
            var reference = parse.GetValue(name)!;
            var source = File.ReadAllText(parse.GetValue(file)!);
            // An orb that cannot be read would fail every config that uses it: refuse it now, where it is broken.
            try
            {
                new YamlStream().Load(new StringReader(source));
            }
            catch (YamlException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"{parse.GetValue(file)}:{e.Start.Line}:{e.Start.Column}: YAML syntax error: {e.Message}");
                return 1;
            }
            ConfigCommands.OrbRegistry(parse.GetValue(dataDir)!).Import(reference, source);
            parse.InvocationConfiguration.Output.WriteLine($"imported {reference}");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var dataDir = ServerCommands.DataDirOption();
        var command = new Command("list", "List the orbs in the registry") { dataDir };
        command.SetAction(parse =>
        {
            foreach (var reference in ConfigCommands.OrbRegistry(parse.GetValue(dataDir)!).List())
                parse.InvocationConfiguration.Output.WriteLine(reference);
            return 0;
        });
        return command;
    }
}
