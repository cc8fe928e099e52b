using System.Buffers.Binary;
using System.Text;

namespace UsbPassd.Tests.Unit.Uevents;

/// <summary>Builds udevd's netlink message (tech.md §6.2 layout) for tests that need one made to measure.</summary>
internal static class UdevDatagram
{
    public static byte[] Build(params (string Key, string Value)[] properties)
    {
        byte[] block = Encoding.UTF8.GetBytes(string.Concat(properties.Select(p => $"{p.Key}={p.Value}\0")));
        byte[] message = new byte[40 + block.Length];
        "libudev\0"u8.CopyTo(message);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), 0xfeedcafe);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), 40);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(16), 40);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), (uint)block.Length);
        block.CopyTo(message, 40);
        return message;
    }
}
