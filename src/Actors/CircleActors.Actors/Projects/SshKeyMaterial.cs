using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace CircleActors.Actors.Projects;

/// <summary>
/// An SSH key pair in the text forms OpenSSH reads: the private key, the <c>authorized_keys</c>
/// line, and the two fingerprints CircleCI and <c>ssh-keygen -l</c> show (MD5 in colon form, SHA256).
/// </summary>
public sealed record SshKeyMaterial(string PrivateKey, string PublicKey, string Md5Fingerprint, string Sha256Fingerprint)
{
    private const string OpenSshHeader = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string OpenSshFooter = "-----END OPENSSH PRIVATE KEY-----";
    private static readonly byte[] OpenSshMagic = "openssh-key-v1\0"u8.ToArray();

    /// <summary>A new RSA key (3072 bits, what <c>ssh-keygen -t rsa</c> makes by default), its private half in PKCS#1 PEM.</summary>
    public static SshKeyMaterial GenerateRsa()
    {
        using var rsa = RSA.Create(3072);
        return FromRsa(rsa.ExportRSAPrivateKeyPem() + "\n", rsa);
    }

    /// <summary>Reads a private key as an operator pastes it: OpenSSH format, or RSA in PEM (PKCS#1 or PKCS#8), without a passphrase.</summary>
    /// <exception cref="FormatException">Not such a key; the message says why and never quotes the key.</exception>
    public static SshKeyMaterial FromPrivateKey(string privateKey)
    {
        var text = privateKey.Replace("\r\n", "\n").Trim() + "\n";
        if (text.StartsWith(OpenSshHeader, StringComparison.Ordinal)) return FromOpenSsh(text);
        if (text.Contains("ENCRYPTED", StringComparison.Ordinal)) throw new FormatException("the private key is protected by a passphrase; give it without one");
        if (text.StartsWith("-----BEGIN RSA PRIVATE KEY-----", StringComparison.Ordinal) || text.StartsWith("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(text);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                throw new FormatException("the private key is not a readable RSA key in PEM form");
            }
            return FromRsa(text, rsa);
        }
        throw new FormatException("the private key must be an OpenSSH private key or an RSA key in PEM form (-----BEGIN ... PRIVATE KEY-----)");
    }

    private static SshKeyMaterial FromRsa(string privateKey, RSA rsa)
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var blob = new List<byte>();
        WriteString(blob, "ssh-rsa"u8);
        WriteString(blob, MpInt(parameters.Exponent!));
        WriteString(blob, MpInt(parameters.Modulus!));
        return FromPublicBlob(privateKey, "ssh-rsa", blob.ToArray());
    }

    /// <summary>The unencrypted OpenSSH format carries the public key in its header, so any key type works without knowing its algorithm.</summary>
    private static SshKeyMaterial FromOpenSsh(string text)
    {
        var end = text.IndexOf(OpenSshFooter, StringComparison.Ordinal);
        if (end < 0) throw new FormatException("the OpenSSH private key has no end line");
        byte[] data;
        try
        {
            data = Convert.FromBase64String(text[OpenSshHeader.Length..end].Replace("\n", ""));
        }
        catch (FormatException)
        {
            throw new FormatException("the OpenSSH private key is not valid base64");
        }
        if (!data.AsSpan().StartsWith(OpenSshMagic)) throw new FormatException("the OpenSSH private key does not start with openssh-key-v1");
        var reader = new WireReader(data, OpenSshMagic.Length);
        var cipher = Encoding.ASCII.GetString(reader.String());
        reader.String(); // kdf name
        reader.String(); // kdf options
        if (cipher != "none") throw new FormatException("the private key is protected by a passphrase; give it without one");
        if (reader.UInt32() != 1) throw new FormatException("the OpenSSH private key file must hold exactly one key");
        var blob = reader.String();
        var type = Encoding.ASCII.GetString(new WireReader(blob, 0).String());
        return FromPublicBlob(text, type, blob);
    }

    private static SshKeyMaterial FromPublicBlob(string privateKey, string type, byte[] blob) => new(
        privateKey,
        $"{type} {Convert.ToBase64String(blob)}",
        string.Join(':', MD5.HashData(blob).Select(b => b.ToString("x2"))),
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('='));

    /// <summary>The SSH wire form of a positive integer: big-endian, with a leading zero byte when the top bit is set.</summary>
    private static byte[] MpInt(byte[] bigEndian) => new BigInteger(bigEndian, isUnsigned: true, isBigEndian: true).ToByteArray(isBigEndian: true);

    private static void WriteString(List<byte> blob, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        blob.AddRange(length);
        blob.AddRange(value);
    }

    private sealed class WireReader(byte[] data, int offset)
    {
        private int position = offset;

        public uint UInt32()
        {
            if (position + 4 > data.Length) throw new FormatException("the key is cut short");
            var value = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(position, 4));
            position += 4;
            return value;
        }

        public byte[] String()
        {
            var length = UInt32();
            if (length > data.Length - position) throw new FormatException("the key is cut short");
            var value = data.AsSpan(position, (int)length).ToArray();
            position += (int)length;
            return value;
        }
    }
}
