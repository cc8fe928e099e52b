namespace UsbPassd.Testing.Recordings;

/// <summary>Replays a umockdev recording as a sysfs tree, the way umockdev's testbed does.</summary>
public static class UmockdevTree
{
    // Keys udev adds; the kernel's uevent file has only the others.
    private static readonly string[] UdevOnlyPrefixes = ["ID_", "DEVLINKS", "TAGS", "CURRENT_TAGS", "USEC_", "__", "LIBINPUT", "COLORD", "MTP_", "LIBGPHOTO", "GPHOTO", "ADB_", "FASTBOOT", "UPOWER", "SYSTEMD", "NM_", "MM_", "ACL", "ATTR{"];

    public static void Write(SysfsTree tree, IReadOnlyList<UmockdevDevice> devices)
    {
        foreach (UmockdevDevice d in devices)
        {
            IEnumerable<KeyValuePair<string, string>> uevent = d.Properties
                .Where(p => p.Key != "SUBSYSTEM" && !UdevOnlyPrefixes.Any(p.Key.StartsWith))
                .Select(p => p.Key == "DEVNAME" && p.Value.StartsWith("/dev/", StringComparison.Ordinal) ? new(p.Key, p.Value[5..]) : p);
            tree.AddDevice(d.SysfsPath, d.Property("SUBSYSTEM")!, d.Attributes, d.Links, uevent);
        }
    }

    public static void Write(SysfsTree tree, string file) =>
        Write(tree, UmockdevRecording.Parse(File.ReadAllBytes(file)));

}
