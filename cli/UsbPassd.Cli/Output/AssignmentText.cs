using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Output;

/// <summary>What reserve, release, attach, detach and swap print: the device, where it stands now, and the token.</summary>
internal static class AssignmentText
{
    public static void Write(TextWriter output, AssignmentResult r) =>
        output.WriteLine(Terminal.Safe($"{r.Device.PortId} ({r.Device.DevId}): {r.Device.Status}" +
            (r.InstanceUuid is null ? "" : $" to {r.InstanceUuid}") + (r.Token is long t ? $", token {t}" : "") + (r.ExpiresAt is null ? "" : $", until {r.ExpiresAt}")));
}
