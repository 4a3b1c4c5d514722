using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using CircleActors.Actors.Hosting;
using CircleActors.Agent.Executors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CircleActors.Agent.Runtime;

/// <summary>
/// A separate agent process: joins the cluster with the agent role and runs tasks. It keeps no
/// state, so when its cluster session ends (the services node it knew restarted and the split
/// brain resolver downed this node, or the network dropped it) it starts a fresh actor system
/// and joins again, until it is stopped.
/// </summary>
public sealed class AgentNode(
    AgentSettings settings, IExecutor executor, IReadOnlyList<string> seeds, string host = "127.0.0.1", int port = 0, string? extraHocon = null)
{
    public const string ActorSystemName = SeedNodes.ActorSystemName;

    private readonly TaskCompletionSource _drainRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Drains this node (no new tasks; those it runs finish) and ends <see cref="RunAsync"/> once
    /// it is idle: what the first SIGTERM does. Cancelling <see cref="RunAsync"/>'s token instead
    /// stops at once, and the tasks still running end when their leases lapse and run again.
    /// </summary>
    public void DrainAndStop() => _drainRequested.TrySetResult();

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            using var app = Build();
            await app.StartAsync(stopping);
            var system = app.Services.GetRequiredService<ActorSystem>();
            var terminated = system.WhenTerminated;
            var idle = DrainedAsync(system, stopping);
            var ended = await Task.WhenAny(terminated, Task.Delay(Timeout.Infinite, stopping), idle).ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None);
            if (stopping.IsCancellationRequested) return;
            if (ended == idle && idle.IsCompletedSuccessfully)
            {
                Console.WriteLine("agent {0}: drained and idle; exiting", settings.Name);
                return;
            }
            Console.WriteLine("agent {0}: cluster session ended; joining again", settings.Name);
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
        }
    }

    /// <summary>Completes once a drain was asked for and this session's agent has no task left.</summary>
    private async Task DrainedAsync(ActorSystem system, CancellationToken stopping)
    {
        await _drainRequested.Task.WaitAsync(stopping).ConfigureAwait(false);
        await ActorRegistry.For(system).Get<AgentKey>()
            .Ask<AgentActor.Idle>(AgentActor.DrainAndStop.Instance, Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
    }

    private IHost Build()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // The process owns SIGTERM and Ctrl+C (the first drains, a second stops): the host must not stop on them itself.
        builder.Services.AddSingleton<IHostLifetime, SignalsOwnedByTheProcess>();
        builder.Services.AddAkka(ActorSystemName, akka =>
        {
            // Akka's own hook would stop the actor system on SIGTERM, before the drain the process starts then.
            var config = Akka.Configuration.ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off")
                .WithFallback(AkkaConfig.Compose(journal: null));
            if (extraHocon is not null) config = Akka.Configuration.ConfigurationFactory.ParseString(extraHocon).WithFallback(config);
            akka.AddHocon(config, HoconAddMode.Prepend)
                .ConfigureLoggers(loggers => loggers.AddLoggerFactory())
                .WithRemoting(host, port)
                .WithClustering(new ClusterOptions { Roles = [ClusterRoles.Agent], SeedNodes = seeds.ToArray() })
                .AddAgentProxies()
                .AddAgent(settings, executor);
        });
        return builder.Build();
    }
}

/// <summary>A host lifetime that listens to no signal: <see cref="AgentNode"/>'s caller decides when the host stops.</summary>
internal sealed class SignalsOwnedByTheProcess : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
