using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CircleActors.Server.Hosting;

/// <summary>The operator's certificate and private key (PEM files) that the HTTP endpoint serves HTTPS with.</summary>
public sealed record TlsCertificate(string CertificateFile, string KeyFile)
{
    /// <summary>
    /// The certificate with its key, re-imported as PKCS#12: a key read from PEM is ephemeral,
    /// which some TLS stacks refuse to serve with.
    /// </summary>
    public X509Certificate2 Load()
    {
        foreach (var file in new[] { CertificateFile, KeyFile })
            if (!File.Exists(file)) throw new ArgumentException($"TLS file {file} not found");
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException($"{CertificateFile} and {KeyFile} are not a PEM certificate and its private key: {ex.Message}", ex);
        }
    }

    /// <summary>The address's scheme and the TLS files must agree: https with both files, http with neither.</summary>
    public static TlsCertificate? For(string httpUrl, string? certificateFile, string? keyFile)
    {
        var https = httpUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        return (certificateFile, keyFile) switch
        {
            (null, null) when https => throw new ArgumentException($"--http {httpUrl} is https: give --tls-cert and --tls-key"),
            (null, null) => null,
            ({ } certificate, { } key) when https => new TlsCertificate(certificate, key),
            ({ }, { }) => throw new ArgumentException($"--tls-cert and --tls-key serve HTTPS: give --http an https:// address, not {httpUrl}"),
            _ => throw new ArgumentException("--tls-cert and --tls-key go together"),
        };
    }
}
