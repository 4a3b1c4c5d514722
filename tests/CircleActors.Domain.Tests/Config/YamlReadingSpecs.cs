using CircleActors.Domain.Config;
using static CircleActors.Domain.Tests.Config.Parsing;

namespace CircleActors.Domain.Tests.Config;

/// <summary>YAML read the way CircleCI reads it: anchors, merge keys, YAML 1.1 scalars, one document.</summary>
public sealed class YamlReadingSpecs
{
    [Fact]
    public void An_anchor_defined_twice_gives_each_alias_the_definition_before_it()
    {
        var config = Valid("""
            version: 2.1
            jobs:
              first:
                docker: [{image: &img node:18}]
                steps: [{run: *img}]
              second:
                docker: [{image: &img node:20}]
                steps: [{run: *img}]
            workflows:
              main:
                jobs: [first, second]
            """);

        Assert.Equal("node:18", ((RunStep)config.Jobs["first"].Steps[0]).Command);
        Assert.Equal("node:20", ((RunStep)config.Jobs["second"].Steps[0]).Command);
    }

    [Fact]
    public void A_merge_key_brings_the_anchored_map_and_explicit_keys_override_it()
    {
        var config = Valid("""
            version: 2
            defaults: &defaults
              docker: [{image: cimg/base:stable}]
              working_directory: ~/repo
              resource_class: small
            jobs:
              build:
                <<: *defaults
                resource_class: large
                steps: [checkout]
            """);

        var build = config.Jobs["build"];
        Assert.Equal("cimg/base:stable", Assert.IsType<DockerExecutor>(build.Executor).Images[0].Image);
        Assert.Equal("~/repo", build.WorkingDirectory);
        Assert.Equal("large", build.ResourceClass);
    }

    [Fact]
    public void A_merge_of_several_maps_lets_the_earlier_map_win_and_explicit_keys_win_over_all()
    {
        var config = Valid("""
            version: 2
            a: &a {shell: /bin/a, working_directory: /a}
            b: &b {shell: /bin/b, working_directory: /b, resource_class: xlarge}
            jobs:
              build:
                <<: [*a, *b]
                working_directory: /explicit
                docker: [{image: alpine}]
                steps: [checkout]
            """);

        var build = config.Jobs["build"];
        Assert.Equal("/bin/a", build.Shell);
        Assert.Equal("/explicit", build.WorkingDirectory);
        Assert.Equal("xlarge", build.ResourceClass);
    }

    [Fact]
    public void A_quoted_merge_key_is_an_ordinary_key()
    {
        var config = Valid("""
            version: 2
            jobs:
              build:
                "<<": {shell: /bin/never}
                docker: [{image: alpine}]
                steps: [checkout]
            """);

        Assert.Null(config.Jobs["build"].Shell);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("yes")]
    [InlineData("Yes")]
    [InlineData("ON")]
    [InlineData("on")]
    [InlineData("TRUE")]
    public void A_yaml_1_1_true_word_is_true_where_a_boolean_is_expected(string word)
    {
        var config = Valid($"""
            version: 2
            jobs:
              build:
                machine: {word}
                steps:
                  - run: {"{"}command: ./serve, background: {word}{"}"}
            """);

        Assert.IsType<MachineExecutor>(config.Jobs["build"].Executor);
        Assert.True(((RunStep)config.Jobs["build"].Steps[0]).Background);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("no")]
    [InlineData("No")]
    [InlineData("OFF")]
    public void A_yaml_1_1_false_word_is_false_where_a_boolean_is_expected(string word)
    {
        var config = Valid($"""
            version: 2
            jobs:
              build:
                docker: [{"{"}image: alpine{"}"}]
                steps:
                  - run: {"{"}command: ./serve, background: {word}{"}"}
            """);

        Assert.False(((RunStep)config.Jobs["build"].Steps[0]).Background);
    }

    [Theory]
    [InlineData("2", "2.0")]
    [InlineData("2.0", "2.0")]
    [InlineData("2.1", "2.1")]
    [InlineData("\"2\"", "2.0")]
    [InlineData("'2.1'", "2.1")]
    public void Versions_2_2_0_and_2_1_are_accepted_quoted_or_not(string written, string normalized)
    {
        var config = Valid($"""
            version: {written}
            jobs:
              build: {"{"}docker: [{"{"}image: alpine{"}"}], steps: [checkout]{"}"}
            """);

        Assert.Equal(normalized, config.Version);
    }

    [Fact]
    public void An_unsupported_version_is_an_error_at_its_value()
    {
        var error = SingleError("""
            version: 3
            jobs:
              build: {docker: [{image: alpine}], steps: [checkout]}
            """);

        AssertAt(error, 1, 10, "version 3 is not supported");
    }

    [Fact]
    public void A_tab_used_as_indentation_is_an_error_on_the_line_with_the_tab()
    {
        var yaml = "version: 2\njobs:\n  build:\n    docker: [{image: alpine}]\n    steps:\n      - checkout\n\t  - run: make\n";

        AssertAt(SingleError(yaml), 7, 1, "tab");
    }

    [Fact]
    public void An_alias_to_an_undefined_anchor_is_an_error_at_the_alias()
    {
        var error = SingleError("""
            version: 2
            jobs:
              build:
                docker: *missing
                steps: [checkout]
            """);

        AssertAt(error, 4, 13, "*missing");
    }

    [Fact]
    public void A_second_yaml_document_is_an_error_where_it_starts()
    {
        var error = SingleError("""
            version: 2
            jobs:
              build: {docker: [{image: alpine}], steps: [checkout]}
            ---
            version: 2
            """);

        AssertAt(error, 4, 1, "second document");
    }

    [Fact]
    public void Junk_that_breaks_the_yaml_structure_is_an_error_where_the_parser_stops()
    {
        var error = SingleError("""
            version: 2
            jobs:
              build:
                docker:khkh
                  - image: alpine
            """);

        AssertAt(error, 5, 14, "YAML syntax error");
    }

    [Fact]
    public void A_duplicate_key_is_an_error_at_the_second_key()
    {
        var error = SingleError("""
            version: 2
            jobs:
              build: {docker: [{image: alpine}], steps: [checkout]}
              build: {docker: [{image: alpine}], steps: [checkout]}
            """);

        AssertAt(error, 4, 3, "duplicate key build");
    }

    [Fact]
    public void A_map_with_a_nameless_key_is_an_error_at_the_map_not_an_exception()
    {
        var error = SingleError("version: 2\nparameters:\n  :\n    type: string\n    default: 1\njobs:\n  build: {docker: [{image: a}], steps: [checkout]}\n");

        AssertAt(error, 3, 3, "key");
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("just a string")]
    [InlineData("- a\n- list")]
    [InlineData("version: 2\njobs: [a, b]\n")]
    [InlineData("version: 2\njobs:\n  build: {docker: [{image: a}], steps: [{run: {command: [a, b]}}]}\n")]
    [InlineData("version: 2\n<<: 3\n")]
    [InlineData("version: 2\njobs: &a\n  build: *a\n")]
    [InlineData("version: 2\n? [complex, key]\n: value\n")]
    public void Malformed_input_gives_errors_and_never_throws(string yaml)
    {
        var result = ConfigParser.Parse(yaml);

        Assert.False(result.IsValid);
        Assert.NotEmpty(result.Errors);
        Assert.All(result.Errors, error => Assert.True(error.Line >= 1 && error.Column >= 1));
    }

    [Fact]
    public void An_error_prints_as_file_line_column_and_message()
    {
        var result = ConfigParser.Parse("version: 3\n", "ci/config.yml");

        Assert.StartsWith("ci/config.yml:1:10: ", result.Errors[0].ToString());
    }
}
