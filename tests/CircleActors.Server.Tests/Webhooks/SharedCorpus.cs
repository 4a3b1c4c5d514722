namespace CircleActors.Server.Tests.Webhooks;

/// <summary>
/// The shared corpus lives beside the repository, never in it: found by walking up to the
/// directory that holds CircleActors.sln and taking <c>../shared/corpus</c>.
/// </summary>
internal static class SharedCorpus
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathTo(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "CircleActors.sln"))) continue;
            var corpus = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpus"));
            // Failing here rather than skipping, so a missing corpus cannot pass as a green run.
            return Directory.Exists(corpus)
                ? corpus
                : throw new DirectoryNotFoundException($"the shared corpus is not at {corpus}");
        }
        throw new DirectoryNotFoundException($"no CircleActors.sln above {AppContext.BaseDirectory}");
    }
}
