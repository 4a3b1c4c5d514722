using System.Text;
using CircleActors.Actors.Projects;
using CircleActors.Agent.Executors;
using CircleActors.Domain.Config;
using CircleActors.Domain.Projects;

namespace CircleActors.Agent.Steps;

/// <summary>
/// <c>add_ssh_keys</c>: writes the selected project SSH keys into the job's <c>~/.ssh</c> as
/// <c>id_rsa_&lt;fingerprint&gt;</c> (mode 600, as the job's own user) and appends a
/// <c>Host</c> block per key to <c>~/.ssh/config</c>, so ssh and git in later steps use them.
/// </summary>
public static class SshKeySteps
{
    public const string StepName = "Add SSH keys";

    // The keys travel to the writing shell as variables, never in the script, which may be shown.
    private const string KeyVariablePrefix = "CIRCLEACTORS_SSH_KEY_";

    /// <summary>Writes the keys; returns the variables later steps get.</summary>
    /// <exception cref="StepFailedException">A fingerprint names no key of the project, or the files could not be written.</exception>
    public static async Task<IReadOnlyDictionary<string, string>> AddAsync(AddSshKeysStep step, ProjectEnvironmentProtocol.CheckoutCredentials credentials,
        IExecutionEnvironment environment, Action<string> say, CancellationToken cancellationToken)
    {
        var keys = Select(step, credentials);
        if (keys.Count == 0)
        {
            say("The project has no additional SSH keys; nothing to add\n");
            return new Dictionary<string, string>();
        }
        var directory = environment.ResolvePath("~/.ssh");
        var script = new StringBuilder()
            .AppendLine($"mkdir -p '{directory}' && chmod 700 '{directory}' && umask 077")
            .AppendLine("cat >> " + $"'{directory}/config'" + " <<'CIRCLEACTORS_SSH_CONFIG'");
        foreach (var key in keys)
            script.AppendLine($"Host {key.Hostname ?? "*"}").AppendLine($"  IdentityFile \"{KeyPath(directory, key)}\"");
        // ssh finds known_hosts through the account's home, which need not be the job's HOME (the machine executor's is not).
        script.AppendLine("Host *").AppendLine($"  UserKnownHostsFile \"{directory}/known_hosts\"").AppendLine("CIRCLEACTORS_SSH_CONFIG");
        var variables = new Dictionary<string, string>();
        for (var i = 0; i < keys.Count; i++)
        {
            variables[KeyVariablePrefix + i] = keys[i].PrivateKey.TrimEnd();
            script.AppendLine($"printf '%s\\n' \"${KeyVariablePrefix}{i}\" > '{KeyPath(directory, keys[i])}'");
        }
        var exitCode = await environment.RunAsync(new CommandRequest(["/bin/sh", "-e"], script.ToString(), variables, "~"), say, cancellationToken)
            .ConfigureAwait(false);
        if (exitCode != 0) throw new StepFailedException($"writing the SSH keys into {directory} failed with exit code {exitCode}");
        foreach (var key in keys)
            say($"Added SSH key {key.Md5Fingerprint} ({key.Sha256Fingerprint}) for {key.Hostname ?? "any host"} as {KeyPath(directory, key)}\n");
        // ssh reads ~/.ssh/config from the account's home, not HOME: point git at the file written here.
        return new Dictionary<string, string> { ["GIT_SSH_COMMAND"] = $"ssh -F \"{directory}/config\"" };
    }

    /// <summary>The listed fingerprints' keys, or without a list every additional key (checkout keys are the checkout's).</summary>
    private static List<ProjectEnvironmentProtocol.OpenedSshKey> Select(AddSshKeysStep step, ProjectEnvironmentProtocol.CheckoutCredentials credentials)
    {
        if (step.Fingerprints is not { Count: > 0 } fingerprints) return credentials.SshKeys.Where(k => k.Kind == SshKeyKinds.Additional).ToList();
        var selected = new List<ProjectEnvironmentProtocol.OpenedSshKey>();
        foreach (var fingerprint in fingerprints)
        {
            var key = credentials.SshKeys.FirstOrDefault(k => SshFingerprints.Names(fingerprint, k.Md5Fingerprint, k.Sha256Fingerprint))
                ?? throw new StepFailedException($"the project has no SSH key with fingerprint {fingerprint}"
                    + (credentials.SshKeys.Count == 0 ? " (it has none)" : $"; its keys are {string.Join(", ", credentials.SshKeys.Select(k => k.Md5Fingerprint))}"));
            if (!selected.Contains(key)) selected.Add(key);
        }
        return selected;
    }

    private static string KeyPath(string directory, ProjectEnvironmentProtocol.OpenedSshKey key) => $"{directory}/id_rsa_{key.Md5Fingerprint.Replace(":", "")}";
}
