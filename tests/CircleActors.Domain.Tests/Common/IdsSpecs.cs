using CircleActors.Domain.Common;
using CircleActors.Domain.Jobs;

namespace CircleActors.Domain.Tests.Common;

/// <summary>Derived ids are RFC 4122 version 5 UUIDs, so any other tool derives the same id; slugs read as CircleCI writes them.</summary>
public sealed class IdsSpecs
{
    private static readonly Guid NamespaceDns = Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    private static readonly Guid NamespaceUrl = Guid.Parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8");

    [Theory]
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") and the RFC 9562 appendix example.
    [InlineData("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d")]
    [InlineData("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com", "2ed6657d-e927-568b-95e1-2665a8aea6a2")]
    // Python: uuid.uuid5(uuid.NAMESPACE_URL, "http://python.org/").
    [InlineData("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "http://python.org/", "4c565f0d-3f5a-5890-b41b-20cf47701c5e")]
    public void A_name_based_id_matches_the_published_version_5_vectors(string @namespace, string name, string expected) =>
        Assert.Equal(Guid.Parse(expected), DerivedIds.NameBased(Guid.Parse(@namespace), name));

    [Theory]
    [InlineData("")]
    [InlineData("workflow:build")]
    [InlineData("job:déploiement ✓")]
    public void A_name_based_id_carries_the_version_5_and_RFC_4122_variant_bits(string name)
    {
        var text = DerivedIds.NameBased(NamespaceUrl, name).ToString();
        Assert.Equal('5', text[14]);
        Assert.Contains(text[19], "89ab");
        Assert.Equal(5, DerivedIds.NameBased(NamespaceUrl, name).Version);
    }

    [Fact]
    public void A_name_based_id_depends_on_its_namespace_and_every_byte_of_its_name()
    {
        Assert.Equal(DerivedIds.NameBased(NamespaceDns, "a"), DerivedIds.NameBased(NamespaceDns, "a"));
        Assert.NotEqual(DerivedIds.NameBased(NamespaceDns, "a"), DerivedIds.NameBased(NamespaceUrl, "a"));
        Assert.NotEqual(DerivedIds.NameBased(NamespaceDns, "a"), DerivedIds.NameBased(NamespaceDns, "A"));
        Assert.NotEqual(DerivedIds.NameBased(NamespaceDns, "é"), DerivedIds.NameBased(NamespaceDns, "e\u0301"));
    }

    [Fact]
    public void Workflow_and_job_ids_are_derived_from_their_parent_and_name()
    {
        var pipeline = PipelineId.From(Guid.Parse("0b5f3f4e-2d1c-4a53-9d1e-6a4c1f0e9a01"));
        var workflow = DerivedIds.Workflow(pipeline, "ci");
        Assert.Equal(DerivedIds.NameBased(pipeline.Value, "workflow:ci"), workflow.Value);
        Assert.Equal(DerivedIds.NameBased(workflow.Value, "job:build"), DerivedIds.Job(workflow, "build").Value);
        // A workflow and a job of the same name under the same parent guid never collide.
        Assert.NotEqual(workflow.Value, DerivedIds.Job(WorkflowId.From(pipeline.Value), "ci").Value);
    }

    [Theory]
    [InlineData("gh/acme/app", "gh/acme/app")]
    [InlineData("github/acme/app", "gh/acme/app")]
    [InlineData("bitbucket/acme/app", "bb/acme/app")]
    [InlineData("bb/acme/app", "bb/acme/app")]
    [InlineData("gitlab/acme/app", "gl/acme/app")]
    public void A_project_slug_is_read_in_its_short_form(string text, string slug)
    {
        var parsed = ProjectSlug.Parse(text);
        Assert.Equal(slug, parsed.Value);
        Assert.Equal(("acme", "app"), (parsed.Organization, parsed.Repository));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("gh/acme")]
    [InlineData("gh/acme/app/extra")]
    [InlineData("svn/acme/app")]
    [InlineData("gh//app")]
    [InlineData("gh/ac me/app")]
    public void A_text_that_is_not_vcs_org_repo_is_not_a_slug(string? text)
    {
        Assert.False(ProjectSlug.TryParse(text, out _));
        if (text is not null) Assert.Throws<FormatException>(() => ProjectSlug.Parse(text));
    }

    [Fact]
    public void A_task_key_reads_as_job_slash_index()
    {
        var job = JobId.From(Guid.Parse("0b5f3f4e-2d1c-4a53-9d1e-6a4c1f0e9a01"));
        Assert.Equal("0b5f3f4e-2d1c-4a53-9d1e-6a4c1f0e9a01/3", new TaskKey(job, 3).ToString());
    }
}
