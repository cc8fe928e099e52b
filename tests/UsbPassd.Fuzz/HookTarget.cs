using System.Text;
using System.Xml;
using UsbPassd.Libvirt;
using UsbPassd.Migration;

namespace UsbPassd.Fuzz;

/// <summary>
/// The domain XML that <c>hook.qemu</c> receives (the libvirt hook's stdin, base64 in the request),
/// decoded as the daemon's hook method decodes it and read as its two consumers read it: the start
/// gate (<see cref="DomainXml.UsbHostdevs"/>) and an incoming migration (<see cref="IncomingDomain.Read"/>,
/// then <see cref="IncomingDomain.Rewrite"/> pointing every one of our hostdevs somewhere).
/// Refusals: <see cref="XmlException"/> (not well-formed, or a DTD), <see cref="FormatException"/> (no domain UUID).
/// </summary>
public static class HookTarget
{
    public static void Run(byte[] input)
    {
        string xml = Encoding.UTF8.GetString(input);
        try
        {
            _ = DomainXml.UsbHostdevs(xml);
        }
        catch (XmlException)
        {
        }

        IncomingDomain domain;
        try
        {
            domain = IncomingDomain.Read(xml);
        }
        catch (Exception e) when (e is XmlException or FormatException)
        {
            return;
        }

        Dictionary<string, HostdevTarget> targets = [];
        foreach (IncomingHostdev h in domain.Hostdevs)
        {
            targets.TryAdd(h.Alias, new HostdevTarget(1, 2 + targets.Count, Dropped: targets.Count % 2 == 1));
        }

        _ = domain.Rewrite(targets);
    }
}
