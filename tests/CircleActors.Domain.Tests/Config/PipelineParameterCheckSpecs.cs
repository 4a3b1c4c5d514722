using System.Text.Json;
using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>What a trigger's pipeline parameters are refused for, before a pipeline exists.</summary>
public sealed class PipelineParameterCheckSpecs
{
    private const string Config = """
        version: 2.1
        parameters:
          target: { type: enum, enum: [staging, production], default: staging }
          retries: { type: integer, default: 1 }
          token_var: { type: env_var_name, default: TOKEN }
          required_one: { type: string }
        jobs:
          build:
            docker: [{ image: busybox }]
            steps: [{ run: echo << pipeline.parameters.target >> }]
        """;

    public static TheoryData<string, string?> Cases => new()
    {
        { """{"required_one":"x"}""", null },
        { """{"required_one":"x","target":"production","retries":3,"token_var":"MY_TOKEN"}""", null },
        { """{"target":"production"}""", "required_one" },
        { """{"required_one":"x","target":"qa"}""", "one of staging, production" },
        { """{"required_one":"x","retries":"many"}""", "an integer" },
        { """{"required_one":"x","token_var":"not a name"}""", "environment variable name" },
        { """{"required_one":"x","nope":true}""", "no parameter 'nope'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parameters_are_checked_against_their_declarations(string json, string? problem)
    {
        var given = PipelineParameters.Normalize(JsonSerializer.Deserialize<Dictionary<string, object>>(json)!);

        var errors = ConfigParser.CheckPipelineParameters(Config, given);

        if (problem is null) Assert.Empty(errors);
        else Assert.Contains(errors, e => e.Message.Contains(problem));
    }

    [Fact]
    public void A_config_before_2_1_takes_no_pipeline_parameters_and_a_broken_config_is_left_to_the_pipeline()
    {
        var old = ConfigParser.CheckPipelineParameters("version: 2\njobs: {}\n", new Dictionary<string, object> { ["x"] = "y" });
        var broken = ConfigParser.CheckPipelineParameters("version: 2.1\n\tjobs:", new Dictionary<string, object> { ["x"] = "y" });

        Assert.Contains(old, e => e.Message.Contains("need a version 2.1 config"));
        Assert.Empty(broken);
    }

    [Fact]
    public void Values_that_are_not_a_string_a_boolean_or_a_whole_number_are_refused()
    {
        var given = JsonSerializer.Deserialize<Dictionary<string, object>>("""{"a":[1],"b":1.5}""")!;
        Assert.Throws<ArgumentException>(() => PipelineParameters.Normalize(new Dictionary<string, object> { ["a"] = given["a"] }));
        Assert.Throws<ArgumentException>(() => PipelineParameters.Normalize(new Dictionary<string, object> { ["b"] = given["b"] }));
        Assert.Equal(3L, PipelineParameters.Normalize(JsonSerializer.Deserialize<Dictionary<string, object>>("""{"n":3}""")!)["n"]);
    }

    [Fact]
    public void A_journaled_pipeline_gets_back_its_parameters_with_their_types()
    {
        var created = new CircleActors.Domain.Pipelines.Messages.PipelineEvents.PipelineCreated(
            new CircleActors.Domain.Common.PipelineId(Guid.NewGuid()), CircleActors.Domain.Common.ProjectSlug.Parse("gh/acme/app"), 1, "/repo", "main", null, null,
            new CircleActors.Domain.Pipelines.Messages.PipelineTrigger("api", CircleActors.Domain.Common.Actor.Admin, DateTimeOffset.UnixEpoch), DateTimeOffset.UnixEpoch,
            new Dictionary<string, object> { ["target"] = "production", ["verbose"] = true, ["retries"] = 3L, ["quoted"] = "true" });

        var back = JsonSerializer.Deserialize<CircleActors.Domain.Pipelines.Messages.PipelineEvents.PipelineCreated>(JsonSerializer.Serialize(created))!;

        Assert.Equal("production", back.Parameters!["target"]);
        Assert.Equal(true, back.Parameters["verbose"]);
        Assert.Equal(3L, back.Parameters["retries"]);
        Assert.Equal("true", back.Parameters["quoted"]);
    }
}
