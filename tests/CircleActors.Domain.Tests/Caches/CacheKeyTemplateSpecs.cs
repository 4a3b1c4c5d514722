using CircleActors.Domain.Caches;

namespace CircleActors.Domain.Tests.Caches;

/// <summary>Cache key templates expand as CircleCI's do, and refuse what they do not know.</summary>
public sealed class CacheKeyTemplateSpecs
{
    private static readonly CacheKeyContext Context = new(
        Branch: "feature/x",
        Revision: "0123456789abcdef0123456789abcdef01234567",
        BuildNum: 42,
        Environment: new Dictionary<string, string> { ["CACHE_VERSION"] = "v3", ["EMPTY"] = "" },
        Checksums: new Dictionary<string, string> { ["package-lock.json"] = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" },
        Epoch: 1_700_000_000,
        Arch: "arch1-linux-amd64");

    public static TheoryData<string, string> Expansions => new()
    {
        { "deps-{{ .Branch }}", "deps-feature/x" },
        { "src-{{ .Revision }}", "src-0123456789abcdef0123456789abcdef01234567" },
        { "build-{{ .BuildNum }}", "build-42" },
        { "{{ .Environment.CACHE_VERSION }}-deps", "v3-deps" },
        { "x{{ .Environment.UNSET }}y", "xy" },
        { "npm-{{ checksum \"package-lock.json\" }}", "npm-n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" },
        { "t-{{ epoch }}", "t-1700000000" },
        { "{{ arch }}-tools", "arch1-linux-amd64-tools" },
        { "{{.Branch}}/{{.BuildNum}}", "feature/x/42" },
        { "v1-{{ .Environment.CACHE_VERSION }}-{{ .Branch }}-{{ checksum \"package-lock.json\" }}",
            "v1-v3-feature/x-n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" },
        { "plain-key", "plain-key" },
    };

    [Theory]
    [MemberData(nameof(Expansions))]
    public void A_template_expands_to_its_key(string template, string key)
    {
        var (expanded, error) = CacheKeyTemplate.Expand(template, Context);
        Assert.Null(error);
        Assert.Equal(key, expanded);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "x-{{ .Brnch }}", "unknown cache key template {{ .Brnch }}" },
        { "x-{{ checksum \"missing.lock\" }}", "cannot checksum missing.lock" },
        { "{{ .Environment.EMPTY }}", "is empty once expanded" },
        { "  ", "is empty once expanded" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_template_that_cannot_be_expanded_says_why(string template, string reason)
    {
        var (expanded, error) = CacheKeyTemplate.Expand(template, Context);
        Assert.Null(expanded);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void The_files_to_checksum_are_listed_once_in_order()
    {
        var files = CacheKeyTemplate.ChecksumFiles("{{ checksum \"b.lock\" }}-{{ .Branch }}-{{ checksum \"a.lock\" }}-{{checksum \"b.lock\"}}");
        Assert.Equal(["b.lock", "a.lock"], files);
    }

    [Fact]
    public void A_checksum_is_the_base64_of_the_sha256()
    {
        var sha = System.Security.Cryptography.SHA256.HashData("hello\n"u8.ToArray());
        Assert.Equal("WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=", CacheKeyTemplate.ChecksumOf(sha));
    }
}
