using System.Text;
using CircleActors.Agent.Executors;
using CircleActors.Agent.Executors.Docker;

namespace CircleActors.Agent.Tests;

public sealed class PlumbingSpecs
{
    [Theory]
    [InlineData("~", "/root")]
    [InlineData("~/project", "/root/project")]
    [InlineData("project", "/root/project")]
    [InlineData("/tmp/x", "/tmp/x")]
    public void A_path_is_resolved_against_the_home_directory(string path, string expected) =>
        Assert.Equal(expected, EnvironmentPath.Resolve("/root", path));

    [Theory]
    [InlineData("~/project", "sub", "~/project/sub")]
    [InlineData("~/project", "/abs", "/abs")]
    [InlineData("~/project", "~/other", "~/other")]
    [InlineData("~/project", ".", "~/project")]
    public void A_step_directory_is_relative_to_the_job_directory(string job, string step, string expected) =>
        Assert.Equal(expected, EnvironmentPath.Combine(job, step));

    [Theory]
    [InlineData(null, "unix:///var/run/docker.sock")]
    [InlineData("", "unix:///var/run/docker.sock")]
    [InlineData("unix:///run/other.sock", "unix:///run/other.sock")]
    [InlineData("tcp://10.0.0.5:2375", "tcp://10.0.0.5:2375/")]
    public void DOCKER_HOST_chooses_the_engine_endpoint(string? dockerHost, string expected) =>
        Assert.Equal(expected, DockerEndpoint.Parse(dockerHost).ToString());

    [Fact]
    public void A_DOCKER_HOST_that_is_not_an_address_is_rejected() =>
        Assert.Throws<ArgumentException>(() => DockerEndpoint.Parse("ssh://box"));

    [Fact]
    public void Lines_are_emitted_whole_even_when_a_character_is_split_across_reads()
    {
        var lines = new List<string>();
        var assembler = new LineAssembler(lines.Add);
        var bytes = Encoding.UTF8.GetBytes("héllo\nwor");

        assembler.Write(bytes.AsSpan(0, 2));
        assembler.Write(bytes.AsSpan(2));
        assembler.Write(Encoding.UTF8.GetBytes("ld"));
        assembler.Flush();

        Assert.Equal(["héllo\n", "world\n"], lines);
    }
}
