using System.Text.Json;
using UsbPassd.Policy;

namespace UsbPassd.Daemon.Hosting;

/// <summary>Where the device policy comes from: policy_file and the config file's JSON block and allow lists.</summary>
internal static class PolicySource
{
    /// <exception cref="InvalidOperationException">A file is unreadable or a rule is malformed; the message names file, line and column.</exception>
    public static DevicePolicy Load(DaemonOptions options)
    {
        string? rules = null;
        try
        {
            if (File.Exists(options.PolicyFile))
            {
                rules = File.ReadAllText(options.PolicyFile);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read the policy file {options.PolicyFile}: {e.Message}", e);
        }

        try
        {
            return DevicePolicy.Parse(rules, Raw(options.PassthroughBlocklist), Raw(options.PassthroughAllowlist));
        }
        catch (PolicyParseException e)
        {
            string where = e.SourceKind switch
            {
                RuleSource.BlockList => $"passthrough_blocklist in {options.ConfigFile ?? "the config"}",
                RuleSource.AllowList => $"passthrough_allowlist in {options.ConfigFile ?? "the config"}",
                _ => options.PolicyFile,
            };
            throw new InvalidOperationException($"policy {where}: {e.Message}", e);
        }
    }

    /// <summary>What the files say now: the config file's policy keys are read again (the other keys need a restart).</summary>
    public static DaemonOptions Reread(DaemonOptions options)
    {
        if (options.ConfigFile is not string file)
        {
            return options;
        }

        DaemonOptions now = DaemonOptions.Load(file, mustExist: true);
        return options with { PassthroughBlocklist = now.PassthroughBlocklist, PassthroughAllowlist = now.PassthroughAllowlist };
    }

    private static string? Raw(JsonElement? list) => list is { ValueKind: not JsonValueKind.Null } e ? e.GetRawText() : null;
}
