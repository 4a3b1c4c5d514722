using System.Diagnostics;
using CircleActors.Actors.Common;
using CircleActors.Actors.Projects;

namespace CircleActors.Actors.Tests.Credentials;

/// <summary>Key pairs and fingerprints agree with OpenSSH's own <c>ssh-keygen</c>, for the keys we make and the ones operators give.</summary>
public sealed class SshKeyMaterialSpecs : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("circleactors-keys-");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public void A_generated_key_is_one_ssh_keygen_reads_with_the_same_public_key_and_fingerprints()
    {
        var key = SshKeyMaterial.GenerateRsa();
        var file = Write("generated", key.PrivateKey);

        Assert.Equal(key.PublicKey, SshKeygen("-y", "-f", file).Trim());
        AssertFingerprintsMatch(key, file);
    }

    [Theory]
    [InlineData("ed25519", "")]
    [InlineData("rsa", "")]
    [InlineData("rsa", "PEM")]
    [InlineData("ecdsa", "")]
    public void A_key_ssh_keygen_made_is_read_with_the_fingerprints_ssh_keygen_prints(string type, string format)
    {
        var file = Path.Combine(directory.FullName, $"{type}{format}");
        SshKeygen(["-q", "-t", type, "-N", "", "-f", file, .. format.Length > 0 ? new[] { "-m", format } : []]);

        var key = SshKeyMaterial.FromPrivateKey(File.ReadAllText(file));

        Assert.Equal(File.ReadAllText(file + ".pub").Split(' ')[..2], key.PublicKey.Split(' '));
        AssertFingerprintsMatch(key, file);
    }

    [Fact]
    public void A_key_with_a_passphrase_is_refused_without_quoting_it()
    {
        var file = Path.Combine(directory.FullName, "protected");
        SshKeygen("-q", "-t", "ed25519", "-N", "a passphrase", "-f", file);
        var text = File.ReadAllText(file);

        var refused = Assert.Throws<FormatException>(() => SshKeyMaterial.FromPrivateKey(text));

        Assert.Contains("passphrase", refused.Message);
        Assert.DoesNotContain(text.Split('\n')[1], refused.Message);
    }

    private void AssertFingerprintsMatch(SshKeyMaterial key, string file)
    {
        Assert.Contains("MD5:" + key.Md5Fingerprint + " ", SshKeygen("-l", "-E", "md5", "-f", file));
        Assert.Contains(key.Sha256Fingerprint + " ", SshKeygen("-l", "-E", "sha256", "-f", file));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(directory.FullName, name);
        // ssh-keygen refuses a private key others can read.
        OwnerOnlyFile.CreateNew(path, text);
        return path;
    }

    private static string SshKeygen(params string[] arguments)
    {
        var start = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ssh-keygen {string.Join(' ', arguments)} failed: {error}");
        return output;
    }
}
