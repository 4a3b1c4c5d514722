using System.Text;
using CircleActors.Server.Webhooks;

namespace CircleActors.Server.Tests.Webhooks;

public class WebhookSignatureSpecs
{
    /// <summary>GitHub's published example, read from the corpus file at run time.</summary>
    private sealed record TestVector(string Secret, byte[] Payload, string Header);

    private static TestVector ReadTestVector()
    {
        var lines = File.ReadAllLines(SharedCorpus.PathTo("webhooks", "SIGNATURE_TEST_VECTOR.txt"));
        string Value(string label) =>
            lines.Where(l => l.StartsWith(label, StringComparison.Ordinal))
                 .Select(l => l[label.Length..].Trim())
                 .Single();
        return new TestVector(
            Value("secret:"),
            Encoding.UTF8.GetBytes(Value("payload:")),
            Value("X-Hub-Signature-256 header:"));
    }

    [Fact]
    public void GitHubs_documented_test_vector_verifies()
    {
        var vector = ReadTestVector();

        Assert.True(WebhookSignature.Verify(vector.Payload, vector.Header, vector.Secret));
    }

    [Fact]
    public void Signing_the_documented_payload_gives_the_documented_header()
    {
        var vector = ReadTestVector();

        Assert.Equal(vector.Header, WebhookSignature.Sign(vector.Payload, vector.Secret));
    }

    [Fact]
    public void A_signature_made_with_another_secret_is_rejected()
    {
        var vector = ReadTestVector();

        Assert.False(WebhookSignature.Verify(vector.Payload, vector.Header, vector.Secret + "!"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_delivery_without_a_signature_is_rejected(string? header)
    {
        var vector = ReadTestVector();

        Assert.False(WebhookSignature.Verify(vector.Payload, header, vector.Secret));
    }

    [Theory]
    [InlineData("sha256=")]
    [InlineData("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1700")]
    [InlineData("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("SHA256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    public void A_header_that_is_not_sha256_and_64_hex_digits_is_rejected(string header)
    {
        var vector = ReadTestVector();

        Assert.False(WebhookSignature.Verify(vector.Payload, header, vector.Secret));
    }

    [Fact]
    public void A_body_changed_after_signing_is_rejected()
    {
        var vector = ReadTestVector();
        var flipped = (byte[])vector.Payload.Clone();
        flipped[0] ^= 0x20;
        byte[] withNewline = [.. vector.Payload, (byte)'\n'];

        Assert.False(WebhookSignature.Verify(flipped, vector.Header, vector.Secret));
        Assert.False(WebhookSignature.Verify(withNewline, vector.Header, vector.Secret));
        Assert.False(WebhookSignature.Verify([], vector.Header, vector.Secret));
    }

    [Fact]
    public void An_empty_secret_is_a_configuration_error_not_a_pass()
    {
        var vector = ReadTestVector();

        Assert.Throws<ArgumentException>(() => WebhookSignature.Verify(vector.Payload, vector.Header, ""));
    }
}
