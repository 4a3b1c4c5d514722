namespace CircleActors.Actors.Hosting;

/// <summary>The two cluster roles: services nodes host entities and singletons; agents run tasks.</summary>
public static class ClusterRoles
{
    public const string Services = "services";
    public const string Agent = "agent";
}
