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
    public const string ActorSystemName = "circleactors";

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            using var app = Build();
            await app.StartAsync(stopping);
            var system = app.Services.GetRequiredService<ActorSystem>();
            var terminated = system.WhenTerminated;
            await Task.WhenAny(terminated, Task.Delay(Timeout.Infinite, stopping)).ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None);
            if (stopping.IsCancellationRequested) return;
            Console.WriteLine("agent {0}: cluster session ended; joining again", settings.Name);
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
        }
    }

    private IHost Build()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddAkka(ActorSystemName, akka =>
        {
            var config = AkkaConfig.Compose(journal: null);
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
