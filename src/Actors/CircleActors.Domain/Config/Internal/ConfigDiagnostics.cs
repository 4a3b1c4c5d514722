using YamlDotNet.Core;

namespace CircleActors.Domain.Config.Internal;

/// <summary>Collects errors and warnings with their place in the file while a config is read.</summary>
internal sealed class ConfigDiagnostics(string fileName)
{
    private readonly List<ConfigError> errors = [];
    private readonly List<ConfigError> warnings = [];
    // An aliased node is read once per alias; its problem is still one problem.
    private readonly HashSet<ConfigError> seen = [];

    public IReadOnlyList<ConfigError> Errors => errors;
    public IReadOnlyList<ConfigError> Warnings => warnings;
    public bool HasErrors => errors.Count > 0;

    public void Error(Mark at, string message) => AddOnce(errors, At(at, message));

    public void Warning(Mark at, string message) => AddOnce(warnings, At(at, message));

    private void AddOnce(List<ConfigError> list, ConfigError problem)
    {
        if (seen.Add(problem)) list.Add(problem);
    }

    // YamlDotNet's empty mark is line 0; a message still needs a place a reader can open.
    private ConfigError At(Mark at, string message) =>
        new(fileName, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), message);
}
