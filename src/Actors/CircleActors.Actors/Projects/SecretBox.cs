using System.Security.Cryptography;
using System.Text;
using CircleActors.Domain.Common;
using CircleActors.Domain.Projects;

namespace CircleActors.Actors.Projects;

/// <summary>
/// Seals and opens project environment variable values with AES-256-GCM under the
/// installation's key. The project and the variable's name are the associated data, so a sealed
/// value copied to another variable or project fails to open instead of leaking there.
/// </summary>
/// <remarks>Thread-safe: every call makes its own <see cref="AesGcm"/>.</remarks>
public sealed class SecretBox
{
    public const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _key;

    public SecretBox(byte[] key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"the secrets key must be {KeyBytes} bytes (AES-256), not {key.Length}", nameof(key));
        _key = key.ToArray();
    }

    public SealedValue Seal(ProjectSlug project, string name, string plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[clear.Length + TagBytes];
        using (var aes = new AesGcm(_key, TagBytes))
            aes.Encrypt(nonce, clear, sealedBytes.AsSpan(0, clear.Length), sealedBytes.AsSpan(clear.Length), AssociatedData(project, name));
        CryptographicOperations.ZeroMemory(clear);
        return new SealedValue(Convert.ToBase64String(nonce), Convert.ToBase64String(sealedBytes));
    }

    /// <exception cref="CryptographicException">The value was sealed under another key, or for another variable.</exception>
    public string Open(ProjectSlug project, string name, SealedValue value)
    {
        var nonce = Convert.FromBase64String(value.Nonce);
        var sealedBytes = Convert.FromBase64String(value.Ciphertext);
        if (nonce.Length != NonceBytes || sealedBytes.Length < TagBytes) throw new CryptographicException($"the sealed value of {name} is malformed");
        var clear = new byte[sealedBytes.Length - TagBytes];
        using (var aes = new AesGcm(_key, TagBytes))
            aes.Decrypt(nonce, sealedBytes.AsSpan(0, clear.Length), sealedBytes.AsSpan(clear.Length), clear, AssociatedData(project, name));
        return Encoding.UTF8.GetString(clear);
    }

    private static byte[] AssociatedData(ProjectSlug project, string name) => Encoding.UTF8.GetBytes($"circleactors/env-var/v1\n{project.Value}\n{name}");
}
