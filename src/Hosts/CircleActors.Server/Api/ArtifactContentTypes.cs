using Microsoft.AspNetCore.StaticFiles;

namespace CircleActors.Server.Api;

/// <summary>
/// How an artifact is served. Artifacts are whatever a build wrote, served from the server's
/// own origin, so only types a browser cannot run are served as themselves; markup and
/// scripts are shown as plain text, and everything else is a download, unless the operator
/// turned on serving artifacts with unsafe content types.
/// </summary>
public static class ArtifactContentTypes
{
    private static readonly HashSet<string> Safe = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/plain", "application/json",
        "image/png", "image/jpeg", "image/gif", "image/bmp",
        "video/webm", "video/ogg", "video/mp4",
        "audio/webm", "audio/aac", "audio/mp4", "audio/mpeg", "audio/ogg", "audio/wav",
    };

    private static readonly HashSet<string> AsText = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/html", "text/css", "text/javascript", "application/javascript", "application/x-javascript",
        "text/ecmascript", "application/ecmascript", "text/xml", "application/xml",
    };

    private static readonly FileExtensionContentTypeProvider ByExtension = CreateProvider();

    /// <param name="ContentType">What the response says it is.</param>
    /// <param name="Attachment">Whether it is sent as a download (<c>Content-Disposition: attachment</c>).</param>
    public sealed record Serving(string ContentType, bool Attachment);

    public static Serving For(string path, bool serveUnsafe)
    {
        var type = ByExtension.TryGetContentType(path, out var known) ? known : "application/octet-stream";
        if (serveUnsafe || Safe.Contains(type)) return new Serving(type, Attachment: false);
        if (AsText.Contains(type)) return new Serving("text/plain", Attachment: false);
        return new Serving(type, Attachment: true);
    }

    private static FileExtensionContentTypeProvider CreateProvider()
    {
        var provider = new FileExtensionContentTypeProvider();
        // Names browsers and the safe list agree on, where the default table has another spelling.
        provider.Mappings[".wav"] = "audio/wav";
        provider.Mappings[".log"] = "text/plain";
        provider.Mappings[".bmp"] = "image/bmp";
        return provider;
    }
}
