namespace CircleActors.Domain.Projects;

/// <summary>
/// An SSH key of a project. Its private half is sealed like an environment variable's value;
/// the public half and the fingerprints are what the API shows and what <c>add_ssh_keys</c> selects by.
/// </summary>
/// <param name="Kind">One of <see cref="SshKeyKinds"/>.</param>
/// <param name="Md5Fingerprint">The colon form CircleCI shows, e.g. <c>c9:0b:…:2f</c>.</param>
/// <param name="Sha256Fingerprint">The form <c>ssh-keygen -l</c> prints, e.g. <c>SHA256:…</c>.</param>
/// <param name="Hostname">The host an additional key is for; null means any host (and for checkout keys).</param>
public sealed record ProjectSshKey(
    string Kind,
    string PublicKey,
    string Md5Fingerprint,
    string Sha256Fingerprint,
    string? Hostname,
    SealedValue PrivateKey,
    DateTimeOffset CreatedAt)
{
    public bool IsCheckoutKey => Kind is SshKeyKinds.DeployKey or SshKeyKinds.UserKey;

    public bool IsNamedBy(string fingerprint) => SshFingerprints.Names(fingerprint, Md5Fingerprint, Sha256Fingerprint);

    /// <summary>The name its sealed private key was sealed under, so it opens for this key only.</summary>
    public string SealingName => SealingNames.SshKey(Sha256Fingerprint);
}

/// <summary>Kinds of project SSH keys: the two checkout key types of CircleCI's API and the additional keys of <c>add_ssh_keys</c>.</summary>
public static class SshKeyKinds
{
    public const string DeployKey = "deploy-key";
    public const string UserKey = "user-key";
    public const string Additional = "additional";

    public static bool IsCheckoutKind(string? kind) => kind is DeployKey or UserKey;
}

/// <summary>
/// The HTTPS token a checkout of an <c>https://</c> repository authenticates with (Basic auth,
/// <paramref name="Username"/> and the token as password).
/// </summary>
public sealed record CheckoutToken(string Username, SealedValue Token, DateTimeOffset CreatedAt)
{
    /// <summary>What GitHub expects as the user of an installation or personal access token.</summary>
    public const string DefaultUsername = "x-access-token";
}

/// <summary>
/// The associated-data names credentials are sealed under. They contain characters an
/// environment variable name cannot, so a sealed credential never opens as a variable or the reverse.
/// </summary>
public static class SealingNames
{
    public const string CheckoutToken = "checkout-token";

    public static string SshKey(string sha256Fingerprint) => "ssh-key:" + sha256Fingerprint;
}

public static class SshFingerprints
{
    /// <summary>Whether <paramref name="given"/> names a key with these fingerprints: either form, and the <c>MD5:</c> prefix <c>ssh-keygen -E md5</c> prints.</summary>
    public static bool Names(string given, string md5, string sha256)
    {
        var name = given.Trim();
        if (name.StartsWith("MD5:", StringComparison.OrdinalIgnoreCase)) name = name[4..];
        return string.Equals(name, md5, StringComparison.OrdinalIgnoreCase) || string.Equals(name, sha256, StringComparison.Ordinal);
    }
}
