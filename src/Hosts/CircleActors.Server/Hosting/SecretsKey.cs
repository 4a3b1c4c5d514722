using System.Security.Cryptography;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;

namespace CircleActors.Server.Hosting;

/// <summary>
/// The key that seals project environment variables: given by the operator (base64 of 32
/// bytes, e.g. from <c>CIRCLEACTORS_SECRETS_KEY</c>; every services node of one installation needs
/// the same one), else made on first start and kept in <c>DATA_DIR/secrets.key</c>, readable by
/// its owner only. Losing it loses the variables' values, never their names.
/// </summary>
public static class SecretsKey
{
    public const string FileName = "secrets.key";
    public const string EnvironmentVariable = "CIRCLEACTORS_SECRETS_KEY";

    /// <exception cref="ArgumentException">The operator's key (or the file's) is not base64 of 32 bytes.</exception>
    public static (SecretBox Box, string Source) Load(string dataDirectory, string? operatorKey)
    {
        if (!string.IsNullOrWhiteSpace(operatorKey)) return (new SecretBox(Decode(operatorKey, "the secrets key given by the operator")), "given by the operator");

        var path = Path.Combine(dataDirectory, FileName);
        var (text, created) = OwnerOnlyFile.ReadOrCreate(path, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeyBytes)));
        return (new SecretBox(Decode(text, path)), created ? path + " (created)" : path);
    }

    private static byte[] Decode(string text, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{source} is not base64");
        }
        if (key.Length != SecretBox.KeyBytes) throw new ArgumentException($"{source} must be {SecretBox.KeyBytes} bytes of base64 (e.g. openssl rand -base64 32), not {key.Length}");
        return key;
    }
}
