using System.Globalization;
using CircleActors.Domain.Common;

namespace CircleActors.Server.Api;

/// <summary>
/// How an operator names a pipeline or a job: its id, a link to it (the UI's <c>/pipelines/{id}</c>
/// or <c>/jobs/{id}</c>, or the API's <c>/api/v2/pipeline/{id}</c>), or <c>gh/org/repo/NUMBER</c>.
/// </summary>
public sealed record Reference(Guid? Id, ProjectSlug? Project, long Number)
{
    /// <param name="segments">The path segments that come before an id in a link (<c>pipelines</c>, <c>pipeline</c>).</param>
    public static bool TryParse(string? text, IReadOnlyCollection<string> segments, out Reference reference)
    {
        reference = new Reference(null, null, 0);
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) return false;
        if (Guid.TryParse(text, out var id))
        {
            reference = new Reference(id, null, 0);
            return true;
        }
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            var parts = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < parts.Length; i++)
                if (segments.Contains(parts[i]) && Guid.TryParse(parts[i + 1], out var linked))
                {
                    reference = new Reference(linked, null, 0);
                    return true;
                }
            return false;
        }
        var split = text.LastIndexOf('/');
        if (split <= 0 || !ProjectSlug.TryParse(text[..split], out var slug)
            || !long.TryParse(text[(split + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
            return false;
        reference = new Reference(null, slug, number);
        return true;
    }
}
