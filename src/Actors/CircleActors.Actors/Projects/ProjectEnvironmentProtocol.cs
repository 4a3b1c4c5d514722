using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;
using CircleActors.Domain.Projects.Messages;

namespace CircleActors.Actors.Projects;

/// <summary>
/// How an agent gets a project's environment variables when a task starts: it asks the project
/// entity, which opens the sealed values with the installation's key and answers in memory. The
/// plaintext exists only in that answer (inside the cluster) and in the agent's memory; nothing
/// about it is journaled. See docs/decisions/project-environment-variables.md.
/// </summary>
public static class ProjectEnvironmentProtocol
{
    /// <summary>Asked by an agent at the start of a task (step 0); answered with <see cref="ProjectEnvironment"/> or <see cref="Rejected"/>.</summary>
    public sealed record GetProjectEnvironment(ProjectSlug Slug) : IWithProjectSlug;

    /// <summary>The project's variables and checkout credentials in plaintext. Never logged: its text shows names and fingerprints only.</summary>
    /// <param name="Credentials">Null from a services node that predates credentials: the same as none.</param>
    public sealed record ProjectEnvironment(ProjectSlug Slug, IReadOnlyDictionary<string, string> Variables, CheckoutCredentials? Credentials = null)
    {
        public override string ToString() =>
            $"ProjectEnvironment {{ Slug = {Slug}, Names = [{string.Join(", ", Variables.Keys)}], Credentials = {Credentials} }}";
    }

    /// <summary>
    /// What a checkout and <c>add_ssh_keys</c> authenticate with: the HTTPS token for https://
    /// repositories, the preferred checkout key for ssh ones, and every SSH key of the project.
    /// </summary>
    public sealed record CheckoutCredentials(HttpsCredential? Https, OpenedSshKey? CheckoutKey, IReadOnlyList<OpenedSshKey> SshKeys)
    {
        public static readonly CheckoutCredentials None = new(null, null, []);

        public override string ToString() =>
            $"CheckoutCredentials {{ Https = {(Https is null ? "none" : "set")}, CheckoutKey = {CheckoutKey?.Md5Fingerprint ?? "none"}, SshKeys = [{string.Join(", ", SshKeys.Select(k => k.Md5Fingerprint))}] }}";
    }

    public sealed record HttpsCredential(string Username, string Token)
    {
        /// <summary>The value of an <c>Authorization</c> header: Basic, the username and the token as the password.</summary>
        public string BasicAuthorization() => "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Username}:{Token}"));

        public override string ToString() => $"HttpsCredential {{ Username = {Username} }}";
    }

    /// <summary>An SSH key with its private half opened (OpenSSH or PEM text).</summary>
    /// <param name="Kind">One of <see cref="SshKeyKinds"/>.</param>
    public sealed record OpenedSshKey(string Kind, string Md5Fingerprint, string Sha256Fingerprint, string? Hostname, string PrivateKey)
    {
        public override string ToString() => $"OpenedSshKey {{ {Md5Fingerprint}, Hostname = {Hostname} }}";
    }
}
