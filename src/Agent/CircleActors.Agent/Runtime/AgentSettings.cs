using CircleActors.Domain.Common;

namespace CircleActors.Agent.Runtime;

/// <summary>
/// What an agent offers: its identity and the capacity it gives to jobs. By default that is the
/// machine less 2 CPUs and 4 GB kept for coordination, but never less than one medium task.
/// </summary>
public sealed record AgentSettings(NodeId Node, string Name, double CapacityCpus, int CapacityMemoryMb, int MaxConcurrentTasks)
{
    /// <summary>Where the node is, for operators reading <c>ops node status</c> (Nomad's datacenter).</summary>
    public string Datacenter { get; init; } = Actors.Agents.AgentProtocol.NodeSettings.DefaultDatacenter;

    /// <summary>A free-form class operators group nodes by (Nomad's node class); empty when not given.</summary>
    public string NodeClass { get; init; } = "";

    public const double ReservedCpus = 2;
    public const int ReservedMemoryMb = 4096;

    public static AgentSettings ForThisMachine(string? name = null, double? cpus = null, int? memoryMb = null)
    {
        var agentName = string.IsNullOrWhiteSpace(name) ? Environment.MachineName : name;
        var totalMemoryMb = (int)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024));
        var capacityCpus = cpus ?? Math.Max(Environment.ProcessorCount - ReservedCpus, Domain.Config.ResourceClasses.SizeOf(Domain.Config.ResourceClasses.Default).Cpus);
        var capacityMemory = memoryMb ?? Math.Max(totalMemoryMb - ReservedMemoryMb, Domain.Config.ResourceClasses.SizeOf(Domain.Config.ResourceClasses.Default).MemoryMb);
        // Slots only bound how many tasks run at once; capacity decides which ones fit.
        return new AgentSettings(new NodeId(agentName), agentName, capacityCpus, capacityMemory, MaxConcurrentTasks: 64);
    }
}
