using CircleActors.Actors.Hosting;

namespace CircleActors.Actors.Tests.Hosting;

public sealed class SeedNodesSpecs
{
    [Theory]
    [InlineData("10.0.0.1:7100", "akka.tcp://circleactors@10.0.0.1:7100")]
    [InlineData("akka.tcp://circleactors@db-2.example:7100", "akka.tcp://circleactors@db-2.example:7100")]
    [InlineData(" node-3:17100 ", "akka.tcp://circleactors@node-3:17100")]
    public void A_seed_is_host_and_port_or_a_full_address(string given, string address) =>
        Assert.Equal([address], SeedNodes.Parse([given]));

    [Fact]
    public void Seeds_may_be_comma_separated_or_repeated_and_are_kept_once_in_order() =>
        Assert.Equal(
            ["akka.tcp://circleactors@a:1", "akka.tcp://circleactors@b:2", "akka.tcp://circleactors@c:3"],
            SeedNodes.Parse(["a:1,b:2", "c:3", "a:1"]));

    [Theory]
    [InlineData("no-port", "expected host:port")]
    [InlineData("host:notaport", "expected host:port")]
    [InlineData("host:70000", "expected host:port")]
    [InlineData(":7100", "expected host:port")]
    [InlineData("akka.tcp://other@host:7100", "akka.tcp://circleactors@host:port")]
    public void Anything_else_is_refused_with_the_seed_named(string given, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => SeedNodes.Parse([given]));

        Assert.Contains(given.Trim(), error.Message);
        Assert.Contains(reason, error.Message);
    }
}
