using System.Text.RegularExpressions;

namespace CircleActors.Cli.Ops;

/// <summary>
/// The ops shell's history, kept in a file across sessions: the last <see cref="Limit"/> lines,
/// oldest first, readable by the owner only. A line that may carry a secret is never recorded.
/// </summary>
public sealed partial class ShellHistory
{
    public const int Limit = 1000;

    private readonly string? _path;
    private readonly List<string> _lines;

    private ShellHistory(string? path, List<string> lines)
    {
        _path = path;
        _lines = lines;
    }

    /// <summary><c>~/.circleactors/ops_history</c>: beside the default data directory, but the operator's own whichever server they talk to.</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".circleactors", "ops_history");

    /// <summary>The history in <paramref name="path"/> (none yet when it does not exist); a null path keeps it for this session only.</summary>
    public static ShellHistory Open(string? path)
    {
        var lines = path is not null && File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
        return new ShellHistory(path, lines.Count > Limit ? lines[^Limit..] : lines);
    }

    public IReadOnlyList<string> Lines => _lines;

    // Words that name a credential, and values shaped like one: an admin token is 48 hex digits;
    // a UUID (job and pipeline ids) is broken by its hyphens into runs of at most 12.
    [GeneratedRegex(@"(?i)(token|secret|password|passwd|api[-_]?key|credential|authorization|bearer)|[A-Za-z0-9+/=_]{32,}")]
    private static partial Regex SecretShape();

    /// <summary>True for a line that names a credential or holds something shaped like one: such a line is never written down.</summary>
    public static bool MayCarrySecret(string line) => SecretShape().IsMatch(line);

    /// <summary>Adds a line to the history and its file, unless it may carry a secret: such a line is not recalled either.</summary>
    public void Add(string line)
    {
        line = line.Trim();
        if (line.Length == 0 || (_lines.Count > 0 && _lines[^1] == line)) return;
        if (MayCarrySecret(line)) return;
        _lines.Add(line);
        if (_lines.Count > Limit) _lines.RemoveRange(0, _lines.Count - Limit);
        if (_path is not null) Save(_path);
    }

    /// <summary>Rewrites the file whole (a thousand short lines), through a temporary file so a crash never leaves half a history.</summary>
    private void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(new FileStream(temporary, options)))
            foreach (var line in _lines) writer.WriteLine(line);
        File.Move(temporary, path, overwrite: true);
    }
}
