using System.Text.RegularExpressions;

namespace CircleActors.Domain.Projects;

/// <summary>
/// A project environment variable's value as it is stored: AES-256-GCM ciphertext (with its
/// tag appended) and the nonce it was sealed with, both base64. Only the services nodes, which
/// hold the key, can open it; the plaintext never enters an event, a snapshot or the read side.
/// </summary>
public sealed record SealedValue(string Nonce, string Ciphertext);

/// <summary>The rules CircleCI applies to project environment variables, kept free of any key or cipher.</summary>
public static partial class EnvironmentVariables
{
    /// <summary>Values shorter than this are not masked in step output: they would mask ordinary words.</summary>
    public const int MinimumMaskedLength = 4;

    public const string OutputMask = "********";

    /// <summary>A shell variable name: a letter or underscore, then letters, digits or underscores.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>
    /// How the API shows a value: <c>xxxx</c> and its last four characters, as CircleCI does.
    /// A value of four characters or fewer shows as <c>xxxx</c> alone, so it is never shown whole.
    /// </summary>
    public static string MaskForDisplay(string value) => value.Length <= 4 ? "xxxx" : "xxxx" + value[^4..];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
