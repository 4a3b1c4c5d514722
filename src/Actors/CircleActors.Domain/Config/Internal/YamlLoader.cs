using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CircleActors.Domain.Config.Internal;

/// <summary>Turns config text into its single YAML document, reporting syntax errors where they are.</summary>
internal static class YamlLoader
{
    public static YamlNode? Load(string yaml, ConfigDiagnostics diagnostics)
    {
        var parser = new AliasCheckingParser(new Parser(new StringReader(yaml)));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            diagnostics.Error(IsTabError(e) ? FirstTabIndentation(yaml, e.Start) : e.Start, $"YAML syntax error: {Sentence(e.Message)}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some malformed plain values inside [ ] or { }.
            var at = parser.Current?.End ?? parser.CollectionBeingRead ?? Mark.Empty;
            diagnostics.Error(at, "YAML syntax error: a value here cannot be read; check the brackets, quotes and colons around it");
            return null;
        }
        catch (ArgumentException)
        {
            // YamlDotNet's representation model throws this for a map it cannot pair into keys and
            // values, such as one with a key that has no name; it notices only where the map ends.
            var at = parser.CollectionBeingRead ?? parser.Current?.Start ?? Mark.Empty;
            diagnostics.Error(at, "YAML syntax error: this map cannot be read; is a key missing its name?");
            return null;
        }

        switch (stream.Documents.Count)
        {
            case 0:
                diagnostics.Error(Mark.Empty, "the configuration is empty");
                return null;
            case > 1:
                diagnostics.Error(parser.DocumentStarts[1],
                    "YAML syntax error: a configuration is a single YAML document, but a second document starts here");
                return null;
        }
        return stream.Documents[0].RootNode;
    }

    private static bool IsTabError(YamlException e) => e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// YamlDotNet reports a tab used as indentation at the node it was scanning, often lines
    /// earlier; the line a reader must fix is the first one from there indented with a tab.
    /// </summary>
    private static Mark FirstTabIndentation(string yaml, Mark reported)
    {
        var lines = yaml.Split('\n');
        for (var index = (int)Math.Max(0, reported.Line - 1); index < lines.Length; index++)
        {
            var line = lines[index];
            var indentation = line.Length - line.TrimStart(' ', '\t').Length;
            var tab = line.IndexOf('\t', 0, indentation);
            if (tab >= 0) return new Mark(0, index + 1, tab + 1);
        }
        return reported;
    }

    private static string Sentence(string message) =>
        message.Length == 0 ? message : char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.');
}
