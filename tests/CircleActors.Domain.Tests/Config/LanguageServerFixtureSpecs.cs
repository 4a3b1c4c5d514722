using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>
/// Valid fixtures of the CircleCI YAML language server (in the corpus's orbs-and-fixtures) process
/// without errors, with registry orbs taken from its <c>orb-registry/ns/name/version/orb.yml</c>.
/// </summary>
public sealed class LanguageServerFixtureSpecs
{
    private sealed class FixtureRegistry : IOrbRegistry
    {
        public string? Find(string reference)
        {
            var at = reference.IndexOf('@');
            if (at < 0 || reference.IndexOf('/') is not (> 0 and var slash) || slash > at) return null;
            var path = Path.Combine(Corpus.OrbRegistryFolder, reference[..slash], reference[(slash + 1)..at], reference[(at + 1)..], "orb.yml");
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
    }

    private static string Fixtures => Path.GetFullPath(Path.Combine(Corpus.OrbRegistryFolder, "..", "..", "..", ".."));

    [Theory]
    [InlineData("pkg/parser/testdata/circle-13337-executors/build.yml")]
    [InlineData("pkg/parser/testdata/params/scoping_rules_are_respected_for_orbs/build.yml")]
    [InlineData("pkg/parser/testdata/params/scoping_rules_are_respected/build.yml")]
    [InlineData("pkg/parser/testdata/conditional-steps/as-args/build.yml")]
    [InlineData("pkg/parser/testdata/executor/condition/build.yml")]
    [InlineData("pkg/parser/testdata/executor/condition_with_alias/build.yml")]
    [InlineData("pkg/parser/testdata/executor/condition_primitive_value/build.yml")]
    [InlineData("pkg/parser/testdata/duplicate-names-across-workflows/build.yml")]
    [InlineData("pkg/parser/testdata/namespaced_job/build.yml")]
    [InlineData("pkg/parser/validate/testdata/orb_steps_used_in_params.yml")]
    [InlineData("pkg/parser/validate/testdata/orbs/local-orb-used-parts.yml")]
    [InlineData("test-files/.circleci/matrix-alias.yml")]
    [InlineData("test-files/.circleci/continuation.yml")]
    public void A_valid_language_server_fixture_processes_and_its_output_processes_to_itself(string fixture)
    {
        var options = new ConfigOptions(Orbs: new FixtureRegistry());
        var once = ConfigParser.Parse(File.ReadAllText(Path.Combine(Fixtures, fixture)), fixture, options);
        Assert.Empty(once.Errors.Select(error => error.ToString()));

        var twice = ConfigParser.Parse(once.ProcessedYaml!, fixture, options);
        Assert.Empty(twice.Errors.Select(error => error.ToString()));
        Assert.Equal(once.ProcessedYaml, twice.ProcessedYaml);
    }

    [Theory]
    [InlineData("pkg/parser/validate/testdata/wrong_param_type_boolean.yml", 25)]
    [InlineData("pkg/parser/validate/testdata/wrong_param_type_integer.yml", 25)]
    public void A_wrongly_typed_argument_of_a_language_server_fixture_is_an_error_at_its_line(string fixture, int line)
    {
        var result = ConfigParser.Parse(File.ReadAllText(Path.Combine(Fixtures, fixture)), fixture);

        Assert.Contains(result.Errors, error => error.Line == line && error.Message.Contains("must be"));
    }
}
