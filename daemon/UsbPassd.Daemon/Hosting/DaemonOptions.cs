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

    /// <summary>Policy rule lines (USBGuard-like, see usbpassctl policy --help); a missing file means no rules.</summary>
    [JsonPropertyName("policy_file")] public string PolicyFile { get; init; } = "/etc/usbpassd/policy.rules";

    /// <summary>The seed's usb_passthrough_blacklist: <c>[{"vendor_id": "1d6b", "product_id": "0002"}]</c>; these never pass.</summary>
    [JsonPropertyName("passthrough_blocklist")] public JsonElement? PassthroughBlocklist { get; init; }

    /// <summary>The same shape as an allow list: with one, only the devices it names pass (unless the rules say otherwise).</summary>
    [JsonPropertyName("passthrough_allowlist")] public JsonElement? PassthroughAllowlist { get; init; }

    /// <summary>Where /proc is (mount table, swaps): the host safety checks read it. Tests point it elsewhere.</summary>
    [JsonPropertyName("proc_root")] public string ProcRoot { get; init; } = "/proc";

    /// <summary>Logs show a dev_id's serial only as a short hash (the registry and RPC keep it whole).</summary>
    [JsonPropertyName("hide_serials")] public bool HideSerials { get; init; }

    /// <summary>OpenStack Placement sync (<c>"placement": {...}</c>, docs/placement.md); null = off.</summary>
    [JsonPropertyName("placement")] public UsbPassd.Placement.PlacementOptions? Placement { get; init; }

    /// <summary>The config file these options came from (re-read for the policy on reload); null when none.</summary>
    [JsonIgnore] public string? ConfigFile { get; init; }

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
            ConfigFile file = JsonSerializer.Deserialize(File.ReadAllText(path), DaemonOptionsJson.Default.ConfigFile)
                ?? throw new InvalidOperationException($"config file {path} is empty (null)");
            return file.Over(new DaemonOptions());
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"config file {path} is not valid: {e.Message} (keys: sysfs_root, state_dir, socket, socket_group, admin_group, usb_ids, libvirt_uri, uevents, uevent_buffer, metrics_file, hide_serials, policy_file, default_policy, placement, passthrough_blocklist, passthrough_allowlist)", e);
        }
    }

    /// <summary>Null when usable, else what is wrong.</summary>
    public string? Problem() =>
        !(Uevents is "netlink" or "none" || (Uevents.StartsWith("replay:", StringComparison.Ordinal) && Uevents.Length > 7))
            ? $"--uevents must be netlink, none or replay:FILE, not '{Uevents}'"
            : UeventBuffer < 4096 ? $"--uevent-buffer must be at least 4096 bytes, not {UeventBuffer}"
            : Placement?.Problem();
}

/// <summary>
/// The config file as written: every key optional. (Deserialising DaemonOptions itself would turn
/// each absent key into null, not its default: the source generator does not keep init defaults.)
/// </summary>
internal sealed record ConfigFile
{
    [JsonPropertyName("sysfs_root")] public string? SysfsRoot { get; init; }
    [JsonPropertyName("state_dir")] public string? StateDirectory { get; init; }
    [JsonPropertyName("socket")] public string? Socket { get; init; }
    [JsonPropertyName("socket_group")] public JsonElement? SocketGroup { get; init; }
    [JsonPropertyName("admin_group")] public string? AdminGroup { get; init; }
    [JsonPropertyName("usb_ids")] public string? UsbIds { get; init; }
    [JsonPropertyName("libvirt_uri")] public string? LibvirtUri { get; init; }
    [JsonPropertyName("uevents")] public string? Uevents { get; init; }
    [JsonPropertyName("uevent_buffer")] public int? UeventBuffer { get; init; }
    [JsonPropertyName("metrics_file")] public string? MetricsFile { get; init; }
    [JsonPropertyName("policy_file")] public string? PolicyFile { get; init; }
    [JsonPropertyName("passthrough_blocklist")] public JsonElement? PassthroughBlocklist { get; init; }
    [JsonPropertyName("passthrough_allowlist")] public JsonElement? PassthroughAllowlist { get; init; }
    [JsonPropertyName("proc_root")] public string? ProcRoot { get; init; }
    [JsonPropertyName("hide_serials")] public bool? HideSerials { get; init; }
    [JsonPropertyName("placement")] public UsbPassd.Placement.PlacementOptions? Placement { get; init; }

    /// <summary>The keys present in the file, over the defaults. <c>"socket_group": null</c> means root only.</summary>
    public DaemonOptions Over(DaemonOptions d) => d with
    {
        SysfsRoot = SysfsRoot ?? d.SysfsRoot,
        StateDirectory = StateDirectory ?? d.StateDirectory,
        Socket = Socket ?? d.Socket,
        SocketGroup = SocketGroup is { } g ? (g.ValueKind == JsonValueKind.Null ? null : g.GetString()) : d.SocketGroup,
        AdminGroup = AdminGroup ?? d.AdminGroup,
        UsbIds = UsbIds ?? d.UsbIds,
        LibvirtUri = LibvirtUri ?? d.LibvirtUri,
        Uevents = Uevents ?? d.Uevents,
        UeventBuffer = UeventBuffer ?? d.UeventBuffer,
        MetricsFile = MetricsFile ?? d.MetricsFile,
        PolicyFile = PolicyFile ?? d.PolicyFile,
        PassthroughBlocklist = PassthroughBlocklist ?? d.PassthroughBlocklist,
        PassthroughAllowlist = PassthroughAllowlist ?? d.PassthroughAllowlist,
        ProcRoot = ProcRoot ?? d.ProcRoot,
        HideSerials = HideSerials ?? d.HideSerials,
        Placement = Placement ?? d.Placement,
    };
}

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ConfigFile))]
internal sealed partial class DaemonOptionsJson : JsonSerializerContext;
