using System.Security.Cryptography;
using System.Text;

namespace UsbPassd.Placement;

/// <summary>
/// RFC 9562 §5.5 name-based UUIDs (version 5, SHA-1): the same namespace and name give the same UUID
/// on every host and every run, which is what lets a provider keep its identity across replugs,
/// restarts and re-installs without anything stored.
/// </summary>
public static class NameBasedUuid
{
    /// <summary>UsbPassd's own namespace (a random v4 UUID chosen once; never change it: every provider UUID derives from it).</summary>
    public static readonly Guid UsbPassdNamespace = new("3f0c7a52-6d1e-4b8e-9a57-2c4d1e8b6f90");

    public static Guid Create(Guid ns, string name)
    {
        Span<byte> input = stackalloc byte[16];
        ns.TryWriteBytes(input, bigEndian: true, out _);
        byte[] text = Encoding.UTF8.GetBytes(name);
        byte[] all = new byte[16 + text.Length];
        input.CopyTo(all);
        text.CopyTo(all, 16);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 version 5 is; not used for security
        Span<byte> hash = SHA1.HashData(all);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
