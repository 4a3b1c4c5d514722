using System.Text;
using CircleActors.Domain.Projects;

namespace CircleActors.Agent.Steps;

/// <summary>
/// Replaces secret values in one step's output with <c>********</c> as the output streams by.
/// A value may arrive split across writes (a multi-line secret, a long line cut in pieces), so
/// text that ends with the beginning of a secret is held back, from its line's start, until the
/// next write shows whether the secret completes; <see cref="Flush"/> releases what is held.
/// </summary>
/// <remarks>Not thread-safe: one per step, called by one writer at a time.</remarks>
internal sealed class SecretMasker(IReadOnlyList<string> secrets)
{
    private string held = "";

    /// <summary>The text that can be released now: whole lines, with every complete secret masked.</summary>
    public string Write(string text)
    {
        var masked = Mask(held + text);
        var prefix = LongestSecretPrefixAtEnd(masked);
        if (prefix == 0)
        {
            held = "";
            return masked;
        }
        // Keep the line contract (output is whole lines): hold from the start of the line the beginning is on.
        var keepFrom = masked.Length - prefix;
        var lineStart = keepFrom == 0 ? 0 : masked.LastIndexOf('\n', keepFrom - 1) + 1;
        held = masked[lineStart..];
        return masked[..lineStart];
    }

    /// <summary>What is held back (the step ended), ending with '\n' like any output.</summary>
    public string Flush()
    {
        var rest = Mask(held);
        held = "";
        return rest.Length == 0 || rest.EndsWith('\n') ? rest : rest + "\n";
    }

    /// <summary>Longest values first, so a secret that contains another is masked whole.</summary>
    private readonly string[] ordered = secrets.Where(s => s.Length >= EnvironmentVariables.MinimumMaskedLength)
        .Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();

    public bool IsEmpty => ordered.Length == 0;

    /// <summary>A whole text with every secret masked, for what leaves the agent other than step output (test results).</summary>
    public static string? MaskAll(string? text, IReadOnlyList<string> secrets) =>
        text is null ? null : new SecretMasker(secrets).Mask(text);

    private string Mask(string text)
    {
        if (text.Length == 0) return text;
        StringBuilder? result = null;
        foreach (var secret in ordered)
        {
            var current = result?.ToString() ?? text;
            if (!current.Contains(secret, StringComparison.Ordinal)) continue;
            result = new StringBuilder(current.Replace(secret, EnvironmentVariables.OutputMask, StringComparison.Ordinal));
        }
        return result?.ToString() ?? text;
    }

    /// <summary>How many characters at the end of <paramref name="text"/> are a proper beginning of some secret.</summary>
    private int LongestSecretPrefixAtEnd(string text)
    {
        var longest = 0;
        foreach (var secret in ordered)
        {
            // Only places where the secret's first character occurs can start a beginning of it.
            var from = Math.Max(0, text.Length - (secret.Length - 1));
            for (var start = text.IndexOf(secret[0], from); start >= 0; start = start + 1 < text.Length ? text.IndexOf(secret[0], start + 1) : -1)
            {
                var length = text.Length - start;
                if (length <= longest) break;
                if (string.CompareOrdinal(text, start, secret, 0, length) == 0)
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}

/// <summary>
/// Masks the project's secrets in everything a task reports before it reaches the outbox, one
/// <see cref="SecretMasker"/> per step. Serializes the calls, so background steps may report from
/// their own threads while the runner goes on.
/// </summary>
internal sealed class MaskingReporter(ITaskReporter inner, IReadOnlyCollection<string> secrets) : ITaskReporter
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, SecretMasker> maskers = new();
    private readonly string[] values = secrets.ToArray();

    public void StepStarted(int stepIndex, string name)
    {
        lock (gate) inner.StepStarted(stepIndex, name);
    }

    public void Output(int stepIndex, string text)
    {
        lock (gate)
        {
            var released = MaskerFor(stepIndex).Write(text);
            if (released.Length > 0) inner.Output(stepIndex, released);
        }
    }

    public void StepFinished(int stepIndex, int exitCode, StepOutcome outcome)
    {
        lock (gate)
        {
            if (maskers.Remove(stepIndex, out var masker) && masker.Flush() is { Length: > 0 } rest) inner.Output(stepIndex, rest);
            inner.StepFinished(stepIndex, exitCode, outcome);
        }
    }

    private SecretMasker MaskerFor(int stepIndex)
    {
        if (!maskers.TryGetValue(stepIndex, out var masker)) maskers[stepIndex] = masker = new SecretMasker(values);
        return masker;
    }
}
