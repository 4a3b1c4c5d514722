namespace CircleActors.Agent.Executors.Docker;

/// <summary>Splits an image reference the way the engine's pull call wants it.</summary>
internal static class ImageReference
{
    /// <summary><c>repo:tag</c> or <c>repo@digest</c> into the name and the tag or digest; no tag means <c>latest</c>.</summary>
    public static (string Name, string Tag) Split(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) return (image[..at], image[(at + 1)..]);
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>The registry a name points at: its first part when that looks like a host, else Docker Hub.</summary>
    public static string Registry(string name)
    {
        var slash = name.IndexOf('/');
        if (slash < 0) return "docker.io";
        var first = name[..slash];
        return first.Contains('.') || first.Contains(':') || first == "localhost" ? first : "docker.io";
    }
}
