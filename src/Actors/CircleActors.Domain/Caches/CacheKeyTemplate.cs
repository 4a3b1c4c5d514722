using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CircleActors.Domain.Caches;

/// <summary>
/// What a cache key template may refer to. Checksums are of files in the job's environment,
/// computed by the agent beforehand (see <see cref="CacheKeyTemplate.ChecksumFiles"/>): the
/// expansion itself reads nothing.
/// </summary>
/// <param name="Checksums">File name as written in the template → base64 of the SHA-256 of its contents.</param>
/// <param name="Epoch">Seconds since the Unix epoch at the moment the step runs.</param>
/// <param name="Arch">The environment's architecture, e.g. <c>arch1-linux-amd64</c>.</param>
public sealed record CacheKeyContext(
    string? Branch,
    string Revision,
    long BuildNum,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Checksums,
    long Epoch,
    string Arch);

/// <summary>
/// CircleCI's cache key templates: <c>{{ .Branch }}</c>, <c>{{ .Revision }}</c>,
/// <c>{{ .BuildNum }}</c>, <c>{{ .Environment.NAME }}</c>, <c>{{ checksum "file" }}</c>,
/// <c>{{ epoch }}</c> and <c>{{ arch }}</c>. Anything else between braces is an error, so a typo
/// never silently becomes part of a key.
/// </summary>
public static partial class CacheKeyTemplate
{
    /// <summary>The files a template checksums, in order of appearance, each once.</summary>
    public static IReadOnlyList<string> ChecksumFiles(string template) =>
        Placeholder().Matches(template)
            .Select(m => Checksum().Match(m.Groups[1].Value))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>The key, or the reason the template cannot be expanded.</summary>
    public static (string? Key, string? Error) Expand(string template, CacheKeyContext context)
    {
        string? error = null;
        var key = Placeholder().Replace(template, match =>
        {
            var expression = match.Groups[1].Value;
            var value = Evaluate(expression, context, out var problem);
            error ??= problem;
            return value ?? "";
        });
        if (error is not null) return (null, error);
        // A key that is blank after expansion would match every cache as a prefix.
        return key.Trim().Length == 0 ? (null, $"the cache key '{template}' is empty once expanded") : (key, null);
    }

    private static string? Evaluate(string expression, CacheKeyContext context, out string? error)
    {
        error = null;
        switch (expression)
        {
            case ".Branch": return context.Branch ?? "";
            case ".Revision": return context.Revision;
            case ".BuildNum": return context.BuildNum.ToString(CultureInfo.InvariantCulture);
            case "epoch": return context.Epoch.ToString(CultureInfo.InvariantCulture);
            case "arch": return context.Arch;
        }
        if (expression.StartsWith(".Environment.", StringComparison.Ordinal))
        {
            var name = expression[".Environment.".Length..];
            // CircleCI leaves an unset variable empty rather than failing the step.
            return context.Environment.GetValueOrDefault(name, "");
        }
        if (Checksum().Match(expression) is { Success: true } checksum)
        {
            var file = checksum.Groups[1].Value;
            if (context.Checksums.TryGetValue(file, out var sum)) return sum;
            error = $"cannot checksum {file}: it is not a file in this environment";
            return null;
        }
        error = $"unknown cache key template {{{{ {expression} }}}}: use .Branch, .Revision, .BuildNum, .Environment.NAME, checksum \"file\", epoch or arch";
        return null;
    }

    /// <summary>Base64 of the SHA-256 of the bytes, as <c>{{ checksum }}</c> writes it.</summary>
    public static string ChecksumOf(byte[] sha256) => Convert.ToBase64String(sha256);

    [GeneratedRegex(@"\{\{\s*(.*?)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^checksum\s+""([^""]+)""$")]
    private static partial Regex Checksum();
}
