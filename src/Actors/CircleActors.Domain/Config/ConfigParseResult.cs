namespace CircleActors.Domain.Config;

/// <summary>
/// The outcome of reading a config: <see cref="Config"/> is set exactly when there are no errors;
/// warnings never stop a pipeline.
/// </summary>
public sealed record ConfigParseResult(
    PipelineConfig? Config,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyList<ConfigError> Warnings)
{
    private readonly Lazy<string>? processedYaml;

    /// <summary>The config as processed (2.1 reuse expanded into plain jobs and workflows), as YAML; set when valid.</summary>
    /// <remarks>Written on first use: a pipeline that only runs the config never pays for the text.</remarks>
    public string? ProcessedYaml => processedYaml?.Value;

    internal Func<string>? WriteProcessedYaml
    {
        init => processedYaml = value is null ? null : new Lazy<string>(value);
    }

    public bool IsValid => Config is not null && Errors.Count == 0;
}
