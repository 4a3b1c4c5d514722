namespace CircleActors.Domain.Config.Internal.Processing;

/// <summary>A command, executor or job as defined, with the scope (the config or an orb) its own references resolve in.</summary>
internal sealed record Definition(string Name, ScalarValue Key, MapValue Body, Scope Scope);

/// <summary>The commands, executors, jobs and orbs visible from the config or from inside one orb.</summary>
internal sealed class Scope(string label)
{
    public string Label { get; } = label;
    public Dictionary<string, Definition> Commands { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Definition> Executors { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Definition> Jobs { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (Scope Orb, ScalarValue Key)> Orbs { get; } = new(StringComparer.Ordinal);
    public HashSet<string> UsedOrbs { get; } = new(StringComparer.Ordinal);

    /// <summary>Registry orbs that are not in the registry: what comes from them is left as written.</summary>
    public HashSet<string> MissingOrbs { get; } = new(StringComparer.Ordinal);

    public bool IsFromMissingOrb(string name)
    {
        var slash = name.IndexOf('/');
        if (slash <= 0 || !MissingOrbs.Contains(name[..slash])) return false;
        UsedOrbs.Add(name[..slash]);
        return true;
    }

    /// <summary>Finds <c>name</c> here, or <c>orb/name</c> in an orb this scope imports (orbs may import orbs).</summary>
    public Definition? Resolve(string name, Func<Scope, Dictionary<string, Definition>> kind)
    {
        if (kind(this).TryGetValue(name, out var definition)) return definition;
        var slash = name.IndexOf('/');
        if (slash <= 0 || !Orbs.TryGetValue(name[..slash], out var orb)) return null;
        UsedOrbs.Add(name[..slash]);
        return orb.Orb.Resolve(name[(slash + 1)..], kind);
    }

    public bool ImportsOrbOf(string name) => name.IndexOf('/') is > 0 and var slash && (Orbs.ContainsKey(name[..slash]) || MissingOrbs.Contains(name[..slash]));
}
