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
    public bool IsValid => Config is not null && Errors.Count == 0;
}
