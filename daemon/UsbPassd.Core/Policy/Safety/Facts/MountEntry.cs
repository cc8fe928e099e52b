namespace UsbPassd.Policy;

/// <summary>One mount: the mounted device's <c>major:minor</c> (null from /proc/mounts), its source and where it is mounted.</summary>
internal sealed record MountEntry(string? Device, string Source, string MountPoint);
