using CircleActors.Domain.Common;
using CircleActors.Server.Api;

namespace CircleActors.Server.Tests.Api;

/// <summary>The ways an operator names a pipeline or a job: an id, a link, or gh/org/repo/NUMBER.</summary>
public sealed class ReferenceSpecs
{
    private static readonly string[] Segments = ["pipelines", "pipeline"];
    private const string Id = "6f1d6a52-1c7e-4f57-9a2e-0a6a4c2b9d11";

    [Theory]
    [InlineData(Id)]
    [InlineData("https://ci.example.com/pipelines/" + Id)]
    [InlineData("http://127.0.0.1:7000/api/v2/pipeline/" + Id + "/workflow")]
    [InlineData("  " + Id + " ")]
    public void An_id_or_a_link_names_the_pipeline_by_id(string text)
    {
        Assert.True(Reference.TryParse(text, Segments, out var reference));
        Assert.Equal(Guid.Parse(Id), reference.Id);
    }

    [Theory]
    [InlineData("gh/acme/app/7", "gh/acme/app", 7)]
    [InlineData("github/acme/app/12", "gh/acme/app", 12)]
    public void A_slug_and_number_name_it_by_number(string text, string slug, long number)
    {
        Assert.True(Reference.TryParse(text, Segments, out var reference));
        Assert.Equal((ProjectSlug.Parse(slug), number), (reference.Project!.Value, reference.Number));
        Assert.Null(reference.Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("gh/acme/app")]
    [InlineData("gh/acme/app/0")]
    [InlineData("gh/acme/app/-3")]
    [InlineData("gh/acme/app/x")]
    [InlineData("svn/acme/app/7")]
    [InlineData("https://ci.example.com/jobs/" + Id)]
    [InlineData("https://ci.example.com/pipelines/not-an-id")]
    [InlineData("ftp://ci.example.com/pipelines/" + Id)]
    public void Anything_else_names_nothing(string? text) => Assert.False(Reference.TryParse(text, Segments, out _));
}
