using System.Text.RegularExpressions;

namespace CircleActors.Domain.Config;

/// <summary>
/// A branch or tag filter pattern: an exact name, or <c>/regex/</c> that must match the whole
/// name (CircleCI matches Java regexes in full; .NET's syntax agrees on what configs use).
/// </summary>
public static class RefPattern
{
    // Patterns come from users' configs; a pathological one must not stall the server.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    public static bool IsRegex(string pattern) => pattern.Length >= 2 && pattern[0] == '/' && pattern[^1] == '/';

    public static bool Matches(string pattern, string value)
    {
        if (!IsRegex(pattern)) return string.Equals(pattern, value, StringComparison.Ordinal);
        try
        {
            return Regex.IsMatch(value, Anchored(pattern), RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (RegexMatchTimeoutException)
        {
            // Not matching is the safe answer: an `only` skips the job, an `ignore` keeps it.
            return false;
        }
    }

    /// <summary>Why a regex pattern does not compile, or null when the pattern is usable.</summary>
    public static string? Problem(string pattern)
    {
        if (!IsRegex(pattern)) return null;
        try
        {
            _ = new Regex(Anchored(pattern), RegexOptions.CultureInvariant, MatchTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static string Anchored(string pattern) => $@"\A(?:{pattern[1..^1]})\z";
}
