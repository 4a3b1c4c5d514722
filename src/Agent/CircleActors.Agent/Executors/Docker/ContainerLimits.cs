using System.Globalization;
using CircleActors.Domain.Config;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace CircleActors.Agent.Executors.Docker;

/// <summary>
/// The CPU and memory cap of a resource class, as the engine applies it to a container. CPUs
/// are capped at what the engine's machine has, since the engine refuses more.
/// </summary>
internal sealed record ContainerLimits(double Cpus, long MemoryBytes)
{
    /// <summary>The resource class's size, no more CPUs than the engine's machine has (<paramref name="engineCpus"/> 0: unknown).</summary>
    public static ContainerLimits For(string resourceClass, long engineCpus)
    {
        var (cpus, memoryMb) = ResourceClasses.SizeOf(resourceClass);
        if (engineCpus > 0) cpus = Math.Min(cpus, engineCpus);
        return new ContainerLimits(cpus, memoryMb * 1024L * 1024L);
    }

    public HostConfig Apply(HostConfig host)
    {
        host.NanoCPUs = (long)(Cpus * 1_000_000_000);
        host.Memory = MemoryBytes;
        return host;
    }

    public string Describe() => $"{Cpus.ToString("0.##", CultureInfo.InvariantCulture)} CPUs and {MemoryBytes / (1024 * 1024)} MB";
}
