using CircleActors.Domain.Config;

namespace CircleActors.Domain.Tests.Config;

/// <summary>Shortcuts for specs that parse a config written inline.</summary>
internal static class Parsing
{
    public static PipelineConfig Valid(string yaml)
    {
        var result = ConfigParser.Parse(yaml);
        Assert.Empty(result.Errors.Select(error => error.ToString()));
        return result.Config!;
    }

    /// <summary>The only error of an invalid config, as <c>file:line:col: message</c>.</summary>
    public static ConfigError SingleError(string yaml)
    {
        var result = ConfigParser.Parse(yaml);
        Assert.False(result.IsValid);
        Assert.Null(result.Config);
        return Assert.Single(result.Errors);
    }

    public static void AssertAt(ConfigError error, int line, int column, string messageFragment)
    {
        Assert.Equal((ConfigParser.DefaultFileName, line, column), (error.File, error.Line, error.Column));
        Assert.Contains(messageFragment, error.Message);
    }
}
