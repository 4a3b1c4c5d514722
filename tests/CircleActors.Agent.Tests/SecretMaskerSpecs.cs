using CircleActors.Agent.Steps;

namespace CircleActors.Agent.Tests;

/// <summary>The masker on text cut at every possible place: a secret is never released, whatever the chunk boundaries.</summary>
public sealed class SecretMaskerSpecs
{
    private const string Text = "start\nthe key is s3cr3t-KEY!, twice s3cr3t-KEY!\nmulti: line-one\nline-two end\nshort abc stays\n";
    private static readonly string[] Secrets = ["s3cr3t-KEY!", "line-one\nline-two", "abc"];

    [Fact]
    public void A_whole_text_such_as_a_test_failure_message_is_masked_at_once()
    {
        Assert.Equal("expected ******** but got ********!", SecretMasker.MaskAll("expected s3cr3t-value but got s3cr3t-value!", ["s3cr3t-value", "abc"]));
        Assert.Equal("abc is too short to mask", SecretMasker.MaskAll("abc is too short to mask", ["abc"]));
        Assert.Null(SecretMasker.MaskAll(null, ["s3cr3t-value"]));
    }

    [Fact]
    public void Secrets_are_masked_wherever_the_text_is_cut_and_nothing_else_changes()
    {
        const string expected = "start\nthe key is ********, twice ********\nmulti: ******** end\nshort abc stays\n";
        for (var first = 0; first <= Text.Length; first++)
        for (var second = first; second <= Text.Length; second += 3)
        {
            var masker = new SecretMasker(Secrets);
            var released = new List<string>
            {
                masker.Write(Text[..first]), masker.Write(Text[first..second]), masker.Write(Text[second..]), masker.Flush(),
            };

            Assert.Equal(expected, string.Concat(released));
        }
    }

    [Fact]
    public void Given_whole_lines_it_releases_whole_lines_holding_a_multi_line_secret_until_it_completes()
    {
        var masker = new SecretMasker(["line-one\nline-two"]);

        var first = masker.Write("before\nmulti: line-one\n");
        var second = masker.Write("line-two end\nafter\n");

        Assert.Equal("before\n", first);
        Assert.Equal("multi: ******** end\nafter\n", second);
        Assert.Equal("", masker.Flush());
    }

    [Fact]
    public void A_secret_containing_another_is_masked_whole()
    {
        var masker = new SecretMasker(["token", "my-token-value"]);
        Assert.Equal("******** and ********\n", masker.Write("my-token-value and token\n") + masker.Flush());
    }

    [Fact]
    public void Without_secrets_text_passes_unchanged_and_at_once()
    {
        var masker = new SecretMasker([]);
        Assert.True(masker.IsEmpty);
        Assert.Equal("anything\n", masker.Write("anything\n"));
        Assert.Equal("", masker.Flush());
    }
}
