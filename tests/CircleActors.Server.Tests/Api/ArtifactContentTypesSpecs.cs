using CircleActors.Server.Api;

namespace CircleActors.Server.Tests.Api;

/// <summary>Only types a browser cannot run are served as themselves unless the operator allows unsafe ones.</summary>
public sealed class ArtifactContentTypesSpecs
{
    public static TheoryData<string, string, bool> Safely => new()
    {
        { "notes.txt", "text/plain", false },
        { "build.log", "text/plain", false },
        { "results/report.json", "application/json", false },
        { "shot.png", "image/png", false },
        { "photo.jpg", "image/jpeg", false },
        { "anim.gif", "image/gif", false },
        { "old.bmp", "image/bmp", false },
        { "run.webm", "video/webm", false },
        { "run.mp4", "video/mp4", false },
        { "beep.mp3", "audio/mpeg", false },
        { "beep.wav", "audio/wav", false },
        { "coverage/index.html", "text/plain", false },
        { "site.css", "text/plain", false },
        { "app.js", "text/plain", false },
        { "junit.xml", "text/plain", false },
        { "dist.zip", "application/x-zip-compressed", true },
        { "tool.exe", "application/vnd.microsoft.portable-executable", true },
        { "image.svg", "image/svg+xml", true },
        { "no-extension", "application/octet-stream", true },
    };

    [Theory]
    [MemberData(nameof(Safely))]
    public void By_default_an_artifact_is_served_as_itself_as_text_or_as_a_download(string path, string contentType, bool attachment) =>
        Assert.Equal(new ArtifactContentTypes.Serving(contentType, attachment), ArtifactContentTypes.For(path, serveUnsafe: false));

    [Theory]
    [InlineData("coverage/index.html", "text/html")]
    [InlineData("image.svg", "image/svg+xml")]
    [InlineData("app.js", "text/javascript")]
    public void With_unsafe_types_allowed_everything_is_served_inline_as_itself(string path, string contentType) =>
        Assert.Equal(new ArtifactContentTypes.Serving(contentType, false), ArtifactContentTypes.For(path, serveUnsafe: true));
}
