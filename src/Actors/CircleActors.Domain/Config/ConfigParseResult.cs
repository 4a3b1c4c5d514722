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
    /// <summary>The config as processed (2.1 reuse expanded into plain jobs and workflows), as YAML; set when valid.</summary>
    public string? ProcessedYaml { get; init; }

    public bool IsValid => Config is not null && Errors.Count == 0;
}
