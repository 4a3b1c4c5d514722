namespace CircleActors.Domain.Config;

public enum GitRefKind { Branch, Tag }

/// <summary>What a pipeline was triggered for: a branch or a tag, which decide different filters.</summary>
public readonly record struct GitRef(GitRefKind Kind, string Name)
{
    public static GitRef Branch(string name) => new(GitRefKind.Branch, name);
    public static GitRef Tag(string name) => new(GitRefKind.Tag, name);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Name}";
}
