using System.Security.Cryptography;
using System.Text;

namespace CircleActors.Server.Webhooks;

/// <summary>
/// Checks GitHub's <c>X-Hub-Signature-256</c> header: <c>sha256=</c> followed by the lowercase hex
/// HMAC-SHA256 of the raw request body, keyed with the webhook's secret.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Hub-Signature-256";

    private const string Prefix = "sha256=";
    private const int HashBytes = 32;

    /// <summary>
    /// True only when <paramref name="signatureHeader"/> is a well-formed signature of exactly
    /// <paramref name="body"/> under <paramref name="secret"/>; a missing or malformed header is false.
    /// </summary>
    /// <param name="body">The body bytes as received, before any decoding: one changed byte changes the MAC.</param>
    /// <exception cref="ArgumentException">The secret is empty: an empty key would make every forged delivery verifiable, so it is a configuration error rather than a rejected request.</exception>
    public static bool Verify(byte[] body, string? signatureHeader, string secret)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(secret);

        if (signatureHeader is null || !signatureHeader.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var hex = signatureHeader.AsSpan(Prefix.Length).Trim();
        if (hex.Length != HashBytes * 2) return false;

        Span<byte> provided = stackalloc byte[HashBytes];
        var status = Convert.FromHexString(hex, provided, out var charsConsumed, out var bytesWritten);
        if (status != System.Buffers.OperationStatus.Done || charsConsumed != hex.Length || bytesWritten != HashBytes) return false;

        Span<byte> expected = stackalloc byte[HashBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        // Constant time, so response timing does not reveal how many leading bytes of a guess were right.
        return CryptographicOperations.FixedTimeEquals(expected, provided);
    }

    /// <summary>The header value GitHub would send for <paramref name="body"/>; for tests and local senders.</summary>
    public static string Sign(byte[] body, string secret)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }
}
