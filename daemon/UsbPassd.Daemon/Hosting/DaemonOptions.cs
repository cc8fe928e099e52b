using System.Text.Json;
using System.Text.Json.Serialization;

namespace UsbPassd.Daemon.Hosting;

/// <summary>
/// Every path and switch of the daemon, in one place (the one injectable set of paths): from
/// /etc/usbpassd/usbpassd.json, then the command line. Tests point them at temporary folders.
/// </summary>
public sealed record DaemonOptions
{
    public const string DefaultConfig = "/etc/usbpassd/usbpassd.json";

    /// <summary>The folder that plays /sys.</summary>
    [JsonPropertyName("sysfs_root")] public string SysfsRoot { get; init; } = "/sys";

    /// <summary>Holds registry.db (and its backups).</summary>
    [JsonPropertyName("state_dir")] public string StateDirectory { get; init; } = "/var/lib/usbpassd";

    /// <summary>The JSON-RPC socket.</summary>
    [JsonPropertyName("socket")] public string Socket { get; init; } = "/run/usbpassd/usbpassd.sock";

    /// <summary>The group that may read through the socket (0660 root:GROUP); absent group = root only.</summary>
    [JsonPropertyName("socket_group")] public string? SocketGroup { get; init; } = "usbpassd";

    /// <summary>A group whose members may also change ownership (reserve, attach); none = root only.</summary>
    [JsonPropertyName("admin_group")] public string? AdminGroup { get; init; }

    [JsonPropertyName("usb_ids")] public string UsbIds { get; init; } = Devices.UsbIds.DefaultPath;

    /// <summary>libvirt connection URI, or "none" to run without libvirt (discovery and registry only).</summary>
    [JsonPropertyName("libvirt_uri")] public string LibvirtUri { get; init; } = "qemu:///system";

    /// <summary><c>netlink</c> (live), <c>none</c> (start-up scan only) or <c>replay:FILE</c> (a recording).</summary>
    [JsonPropertyName("uevents")] public string Uevents { get; init; } = "netlink";

    /// <summary>The netlink receive buffer; a burst larger than this is lost and answered with a full rescan.</summary>
    [JsonPropertyName("uevent_buffer")] public int UeventBuffer { get; init; } = UsbPassd.Uevents.NetlinkUeventSource.ReceiveBufferBytes;

    /// <summary>When set, the Prometheus metrics are written there every 15 s (node_exporter's textfile collector: a *.prom file).</summary>
    [JsonPropertyName("metrics_file")] public string? MetricsFile { get; init; }

    public string RegistryPath => Path.Combine(StateDirectory, "registry.db");

    public bool LibvirtEnabled => LibvirtUri != "none";

    /// <summary>Reads a config file; a missing default file means all defaults.</summary>
    /// <exception cref="InvalidOperationException">The file is unreadable or not valid JSON; the message names it.</exception>
    public static DaemonOptions Load(string path, bool mustExist)
    {
        if (!File.Exists(path))
        {
            return mustExist ? throw new InvalidOperationException($"config file {path} does not exist") : new DaemonOptions();
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), DaemonOptionsJson.Default.DaemonOptions)
                ?? throw new InvalidOperationException($"config file {path} is empty (null)");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"config file {path} is not valid: {e.Message} (keys: sysfs_root, state_dir, socket, socket_group, admin_group, usb_ids, libvirt_uri, uevents, uevent_buffer, metrics_file, hide_serials, policy_file, default_policy, passthrough_blocklist, passthrough_allowlist)", e);
        }
    }

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Problem() =>
        !(Uevents is "netlink" or "none" || (Uevents.StartsWith("replay:", StringComparison.Ordinal) && Uevents.Length > 7))
            ? $"--uevents must be netlink, none or replay:FILE, not '{Uevents}'"
            : UeventBuffer < 4096 ? $"--uevent-buffer must be at least 4096 bytes, not {UeventBuffer}"
            : null;
}

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(DaemonOptions))]
internal sealed partial class DaemonOptionsJson : JsonSerializerContext;
