using System.Diagnostics;

namespace UsbPassd.Testing.Rpc;

/// <summary>
/// A program run as uid/gid 65534 (setpriv) with the given supplementary groups, so the checks that
/// speak are the daemon's own peer-credential checks. Its stdin stays open until the caller closes it.
/// </summary>
public static class OtherUser
{
    public const uint Uid = 65534;

    /// <param name="mayChangeGroups">Keeps CAP_SETGID (ambient) so the program can change its groups after connecting.</param>
    public static Process Start(string groups, bool mayChangeGroups, string program, params string[] arguments)
    {
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] caps = mayChangeGroups ? ["--inh-caps=+setgid", "--ambient-caps=+setgid"] : [];
        foreach (string a in (string[])[$"--reuid={Uid}", $"--regid={Uid}", $"--groups={groups}", .. caps, "--", program, .. arguments])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        psi.Environment["HOME"] = Path.GetTempPath();
        return Process.Start(psi)!;
    }

    /// <summary>The rpc-stress tool (this assembly, from <paramref name="directory"/>) as uid 65534.</summary>
    public static Process Stress(string directory, string groups, params string[] arguments) =>
        Start(groups, mayChangeGroups: false, "dotnet", [Path.Combine(directory, "UsbPassd.Testing.dll"), "rpc-stress", .. arguments]);
}
