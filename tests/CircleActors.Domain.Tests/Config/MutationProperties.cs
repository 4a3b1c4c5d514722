using CircleActors.Domain.Config;
using CsCheck;

namespace CircleActors.Domain.Tests.Config;

/// <summary>
/// Random edits of the corpus configs (a character typed, deleted or replaced, a line dropped,
/// doubled, indented or moved, a 2.1 reference broken) only ever give a result with located
/// errors: the engine never throws and never reports an internal failure.
/// </summary>
public sealed class MutationProperties
{
    private static readonly string[] Configs = Directory.GetFiles(Corpus.ConfigsFolder, "*.yml").Order().Select(File.ReadAllText).ToArray();

    // Characters that matter to YAML and to 2.1 references.
    private const string Typed = "ab1:- \t\n{}[]&*<>|'\"#!%@,.?~=";

    private static string Mutate(string text, int kind, int position, char typed, int other)
    {
        if (text.Length == 0) return text;
        var at = position % text.Length;
        var lines = text.Split('\n').ToList();
        var line = position % lines.Count;
        switch (kind)
        {
            case 0: return text.Insert(at, typed.ToString());
            case 1: return text.Remove(at, 1);
            case 2: return text[..at] + typed + text[(at + 1)..];
            case 3: lines.RemoveAt(line); break;
            case 4: lines.Insert(line, lines[other % lines.Count]); break;
            case 5: lines[line] = "  " + lines[line]; break;
            case 6: lines[line] = lines[line].TrimStart(); break;
            case 7:
                var moved = lines[line];
                lines.RemoveAt(line);
                lines.Insert(other % lines.Count, moved);
                break;
            default:
                // Break or rename a 2.1 reference: << parameters.x >>, << pipeline.x >>, << matrix.x >>.
                var reference = text.IndexOf("<<", at, StringComparison.Ordinal);
                return reference < 0 ? text : text.Insert(reference + 2, typed == ' ' ? " parameters.nope" : typed.ToString());
        }
        return string.Join('\n', lines);
    }

    private static readonly Gen<string> Mutated =
        Gen.Select(Gen.Int[0, Configs.Length - 1], Gen.Int[1, 3], Gen.Int[0, 8].Array[3], Gen.Int[0, int.MaxValue].Array[3], Gen.Char[Typed].Array[3],
            (file, count, kinds, positions, typed) =>
            {
                var text = Configs[file];
                for (var i = 0; i < count; i++) text = Mutate(text, kinds[i], positions[i], typed[i], positions[(i + 1) % 3]);
                return text;
            });

    [Fact]
    public void A_mutated_corpus_config_is_valid_or_rejected_with_located_errors_and_never_throws()
    {
        Mutated.Sample(text =>
        {
            var result = ConfigParser.Parse(text, "mutated.yml");

            Assert.DoesNotContain(result.Errors, error => error.Message.Contains("could not be read", StringComparison.Ordinal));
            Assert.All(result.Errors, error => Assert.True(error.Line >= 1 && error.Column >= 1));
            Assert.Equal(result.IsValid, result.Errors.Count == 0);
            if (result.IsValid) Assert.NotNull(result.ProcessedYaml);
        }, iter: 1000, print: text => text);
    }

    [Fact]
    public void A_valid_mutated_config_processes_to_a_config_that_processes_to_itself()
    {
        Mutated.Sample(text =>
        {
            var once = ConfigParser.Parse(text, "mutated.yml");
            if (!once.IsValid) return;
            var twice = ConfigParser.Parse(once.ProcessedYaml!, "mutated.yml");

            Assert.Empty(twice.Errors.Select(error => error.ToString()));
            Assert.Equal(once.ProcessedYaml, twice.ProcessedYaml);
        }, iter: 300, print: text => text);
    }
}
