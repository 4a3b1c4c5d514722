namespace CircleActors.Agent.Executors.Docker;

/// <summary>Where the Docker engine listens. Docker.DotNet ignores DOCKER_HOST, so we read it here.</summary>
public static class DockerEndpoint
{
    public const string DefaultSocket = "unix:///var/run/docker.sock";

    /// <summary>DOCKER_HOST (<c>unix://</c> or <c>tcp://</c>) when set, else the default socket.</summary>
    public static Uri FromEnvironment() => Parse(Environment.GetEnvironmentVariable("DOCKER_HOST"));

    public static Uri Parse(string? dockerHost)
    {
        if (string.IsNullOrWhiteSpace(dockerHost)) return new Uri(DefaultSocket);
        if (!Uri.TryCreate(dockerHost.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp" or "http" or "https"))
            throw new ArgumentException($"DOCKER_HOST '{dockerHost}' is not a unix:// or tcp:// address", nameof(dockerHost));
        return uri;
    }
}
