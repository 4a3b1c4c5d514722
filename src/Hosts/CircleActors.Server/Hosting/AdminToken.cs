using System.Security.Cryptography;
using System.Text;
using CircleActors.Actors.Common;

namespace CircleActors.Server.Hosting;

/// <summary>
/// The admin API token, made on first start and kept in <c>DATA_DIR/admin.token</c>, readable
/// by its owner only.
/// </summary>
public static class AdminToken
{
    public const string FileName = "admin.token";

    public static (string Token, string Path, bool Created) LoadOrCreate(string dataDirectory)
    {
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        var (token, created) = OwnerOnlyFile.ReadOrCreate(path, () => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
        return (token.Trim(), path, created);
    }

    /// <summary>In constant time, so a guess learns nothing from how long the answer takes.</summary>
    public static bool Matches(string? candidate, string token) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(token));
}
