using Akka.Hosting;
using CircleActors.Agent.Executors;

namespace CircleActors.Agent.Runtime;

/// <summary>Registry key of the agent actor.</summary>
public sealed class AgentKey;

public static class AgentHosting
{
    /// <summary>Starts this node's agent actor, which registers with the scheduler and runs tasks.</summary>
    public static AkkaConfigurationBuilder AddAgent(this AkkaConfigurationBuilder builder, AgentSettings settings, IExecutor executor) =>
        builder.WithActors((system, registry) =>
            registry.Register<AgentKey>(system.ActorOf(AgentActor.PropsFor(settings, executor), "agent")));
}
