using System.Text.RegularExpressions;

namespace CircleActors.Domain.Config;

/// <summary>
/// Orbs stored as files, <c>ROOT/ns/name/version.yml</c>, as <c>circleactors orb import</c> writes
/// them. Reads are plain file reads, safe from several processes; an import replaces the file whole.
/// </summary>
public sealed partial class DirectoryOrbRegistry(string root) : IOrbRegistry
{
    public string Root => root;

    /// <summary>Whether text is an orb reference <c>ns/name@version</c> with a version a file can be named after.</summary>
    public static bool IsReference(string reference) => ReferencePattern().IsMatch(reference);

    /// <summary>
    /// The orb at exactly that version, else, for a partial version (<c>@5</c>, <c>@5.1</c>) or
    /// <c>@volatile</c>, the highest stored version it admits, as CircleCI resolves them.
    /// </summary>
    public string? Find(string reference)
    {
        if (!IsReference(reference)) return null;
        var path = PathOf(reference);
        if (File.Exists(path)) return File.ReadAllText(path);
        var at = reference.IndexOf('@');
        var (name, wanted) = (reference[..at], reference[(at + 1)..]);
        var best = List()
            .Where(stored => stored.StartsWith(name + "@", StringComparison.Ordinal))
            .Select(stored => stored[(at + 1)..])
            .Where(version => wanted == "volatile" || version.StartsWith(wanted + ".", StringComparison.Ordinal))
            .Select(version => (Version: version, Parts: Parts(version)))
            .Where(candidate => candidate.Parts is not null)
            .OrderByDescending(candidate => candidate.Parts![0]).ThenByDescending(candidate => candidate.Parts![1]).ThenByDescending(candidate => candidate.Parts![2])
            .Select(candidate => candidate.Version)
            .FirstOrDefault();
        return best is null ? null : File.ReadAllText(PathOf($"{name}@{best}"));
    }

    private static int[]? Parts(string version)
    {
        var parts = version.Split('.');
        if (parts.Length != 3) return null;
        var numbers = new int[3];
        for (var i = 0; i < 3; i++)
            if (!int.TryParse(parts[i], out numbers[i])) return null;
        return numbers;
    }

    /// <summary>Stores an orb's source under its reference, replacing an earlier import of the same version.</summary>
    public string Import(string reference, string source)
    {
        if (!IsReference(reference)) throw new ArgumentException($"'{reference}' is not an orb reference of the form namespace/name@version");
        var path = PathOf(reference);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, source);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>Every stored orb as <c>ns/name@version</c>, sorted.</summary>
    public IReadOnlyList<string> List()
    {
        if (!Directory.Exists(root)) return [];
        return Directory.GetFiles(root, "*.yml", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Select(relative => relative.Split('/'))
            .Where(parts => parts.Length == 3)
            .Select(parts => $"{parts[0]}/{parts[1]}@{parts[2][..^".yml".Length]}")
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private string PathOf(string reference)
    {
        var at = reference.IndexOf('@');
        var slash = reference.IndexOf('/');
        return Path.Combine(root, reference[..slash], reference[(slash + 1)..at], reference[(at + 1)..] + ".yml");
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*@[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.IgnoreCase)]
    private static partial Regex ReferencePattern();
}
