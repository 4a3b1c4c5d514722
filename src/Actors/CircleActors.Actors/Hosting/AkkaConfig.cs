using System.Reflection;
using System.Text;
using Akka.Configuration;
using CircleActors.Actors.Persistence;
using CircleActors.Actors.Serialization;

namespace CircleActors.Actors.Hosting;

/// <summary>
/// Composes the actor system's configuration: the tuning files from hocon/ (embedded in this
/// assembly) plus what depends on the installation (journal provider and connection, plugin
/// tables) and what is derived from code (serializer bindings, event adapters).
/// </summary>
public static class AkkaConfig
{
    public static string Embedded(string fileName)
    {
        using var stream = typeof(AkkaConfig).Assembly.GetManifestResourceStream("hocon/" + fileName)
            ?? throw new InvalidOperationException($"hocon/{fileName} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Serializer bindings for every type with a manifest: the list cannot drift from the code.</summary>
    public static string Serialization()
    {
        var sb = new StringBuilder();
        sb.AppendLine("akka.actor {");
        sb.AppendLine($"  serializers.circleactors = \"{Qualified(typeof(DomainSerializer))}\"");
        sb.AppendLine($"  serialization-identifiers.\"{Qualified(typeof(DomainSerializer))}\" = {DomainSerializer.Id}");
        sb.AppendLine("  serialization-bindings {");
        foreach (var type in MessageManifests.ByType.Keys)
            sb.AppendLine($"    \"{Qualified(type)}\" = circleactors");
        // The marker interfaces too: a new event or command missing from the manifest table then
        // fails loudly in our serializer instead of being written under its CLR name by another.
        foreach (var marker in MessageManifests.MarkerInterfaces)
            sb.AppendLine($"    \"{Qualified(marker)}\" = circleactors");
        sb.AppendLine("  }");
        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>
    /// The domain journal (tagged events), its snapshot store and read journal, and a second
    /// pair of plugins on their own tables for sharding's remembered entities.
    /// </summary>
    public static string Persistence(JournalSettings journal)
    {
        var connection = Quote(journal.ConnectionString);
        var shardingConnection = Quote(journal.ShardingConnectionString);
        var snapshotConnection = Quote(journal.SnapshotConnectionString);
        var provider = Quote(journal.Linq2DbProvider);
        var readIsolation = journal.ReadIsolationLevel;
        var tagger = Qualified(typeof(DomainEventTagger));
        var bindings = string.Join("\n", new[]
        {
            typeof(Domain.Projects.Messages.IProjectEvent), typeof(Domain.Pipelines.Messages.IPipelineEvent),
            typeof(Domain.Workflows.Messages.IWorkflowEvent), typeof(Domain.Jobs.Messages.IJobEvent),
            typeof(Domain.TestResults.Messages.ITestResultsEvent),
        }.Select(t => $"        \"{Qualified(t)}\" = tagger"));
        return $$"""
            akka.persistence {
              journal {
                sql {
                  # Akka.Persistence.Sql's journal with group commit in front (GroupCommitJournal).
                  class = "CircleActors.Actors.Persistence.GroupCommitJournal, CircleActors.Actors"
                  plugin-id = "{{JournalConnections.JournalPluginId}}"
                  connection-string = {{connection}}
                  provider-name = {{provider}}
                  read-isolation-level = {{readIsolation}}
                  parallelism = {{journal.WriteParallelism}}
                  event-adapters.tagger = "{{tagger}}"
                  event-adapter-bindings {
            {{bindings}}
                  }
                }
                sharding {
                  # Group commit here too: every shard records its entities' starts and stops
                  # alone, and each of those writes was a transaction (and an fsync) of its own.
                  # Its rows have no tags, in the plugin's tag-table layout, so the plugin writes them.
                  class = "CircleActors.Actors.Persistence.GroupCommitJournal, CircleActors.Actors"
                  plugin-id = "{{JournalConnections.ShardingJournalPluginId}}"
                  plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
                  connection-string = {{shardingConnection}}
                  provider-name = {{provider}}
                  read-isolation-level = {{readIsolation}}
                  parallelism = {{journal.WriteParallelism}}
                  auto-initialize = on
                  default.journal.table-name = "sharding_journal"
                  default.metadata.table-name = "sharding_journal_metadata"
                  default.tag.table-name = "sharding_tags"
                }
              }
              snapshot-store {
                sql {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  connection-string = {{snapshotConnection}}
                  provider-name = {{provider}}
                  read-isolation-level = {{readIsolation}}
                }
                sharding {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
                  connection-string = {{shardingConnection}}
                  provider-name = {{provider}}
                  read-isolation-level = {{readIsolation}}
                  auto-initialize = on
                  default.snapshot.table-name = "sharding_snapshot"
                }
              }
              query.journal.sql {
                class = "Akka.Persistence.Sql.Query.SqlReadJournalProvider, Akka.Persistence.Sql"
                plugin-id = "{{JournalConnections.ReadJournalPluginId}}"
                write-plugin = "akka.persistence.journal.sql"
                connection-string = {{connection}}
                provider-name = {{provider}}
                read-isolation-level = {{readIsolation}}
              }
            }
            """;
    }

    /// <summary>Everything a node needs apart from its role, address and seeds.</summary>
    public static Config Compose(JournalSettings? journal)
    {
        var parts = new List<string> { Serialization(), Embedded("cluster.conf"), Embedded("agent.conf"), Embedded("schedules.conf") };
        if (journal is not null)
        {
            parts.Add(Persistence(journal));
            parts.Add(Embedded("persistence.conf"));
        }
        return parts.Aggregate(Config.Empty, (config, hocon) => config.WithFallback(ConfigurationFactory.ParseString(hocon)));
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string Qualified(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
