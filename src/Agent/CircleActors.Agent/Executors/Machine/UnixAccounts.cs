using System.Runtime.InteropServices;

namespace CircleActors.Agent.Executors.Machine;

/// <summary>A local account steps may run as.</summary>
public sealed record UnixAccount(string Name, uint Uid, uint Gid);

/// <summary>The few libc calls the machine executor needs to drop privileges: .NET has no API for them.</summary>
internal static class UnixAccounts
{
    /// <summary>Whether the agent runs as root, and so can (and must) hand steps to an unprivileged account.</summary>
    public static bool AgentIsRoot => OperatingSystem.IsLinux() && geteuid() == 0;

    /// <summary>The account of the agent process itself.</summary>
    public static UnixAccount Current => new(Environment.UserName, geteuid(), getegid());

    /// <summary>Looks an account up by name through the system's user database (NSS, so LDAP users too).</summary>
    public static UnixAccount? Find(string name)
    {
        var entry = getpwnam(name);
        if (entry == IntPtr.Zero) return null;
        // struct passwd on 64-bit Linux: two pointers (name, password), then uid and gid.
        var uid = (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
        var gid = (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size + 4);
        return new UnixAccount(name, uid, gid);
    }

    /// <summary>Gives a directory tree to an account; links are re-owned themselves, never what they point at.</summary>
    /// <exception cref="ExecutorException">A file could not be re-owned.</exception>
    public static void GiveTree(string path, UnixAccount owner)
    {
        Give(path, owner);
        if (!Directory.Exists(path) || new DirectoryInfo(path).LinkTarget is not null) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            Give(entry, owner);
    }

    private static void Give(string path, UnixAccount owner)
    {
        if (lchown(path, owner.Uid, owner.Gid) != 0)
            throw new ExecutorException($"cannot give {path} to {owner.Name}: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    private static extern uint getegid();

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern IntPtr getpwnam(string name);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int lchown(string path, uint owner, uint group);
}
