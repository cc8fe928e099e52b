using UsbPassd.Libvirt;
using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>
/// The libvirt hook's <c>prepare begin</c>: may this domain start, judged from its XML and the
/// registry alone (libvirtd waits for the hook: asking libvirt anything now would deadlock). A
/// domain is stopped only for a device it cannot do without: a <c>mandatory</c> one (or one without
/// startupPolicy, which libvirt treats as mandatory) that is unplugged or belongs to another instance.
/// </summary>
public sealed class StartGate(DeviceRepository devices, AssignmentRepository ledger)
{
    /// <returns>Null to let the domain start, else the reason for the person who started it.</returns>
    public string? Refusal(string domainUuid, string domainXml)
    {
        IReadOnlyList<DomainHostdev> hostdevs;
        try
        {
            hostdevs = DomainXml.UsbHostdevs(domainXml);
        }
        catch (System.Xml.XmlException)
        {
            return null; // libvirt wrote it; if we cannot read it, it is not ours to refuse
        }

        IReadOnlyList<Claim> claims = ledger.All();
        IReadOnlyList<DeviceRow> live = devices.ListLive();
        List<string> problems = [];
        foreach (DomainHostdev h in hostdevs.Where(h => h.StartupPolicy is null or "mandatory"))
        {
            if (h.IsOurs)
            {
                Claim? claim = claims.FirstOrDefault(c => c.Alias == h.Alias);
                DeviceRow? row = claim is null ? null : live.FirstOrDefault(r => r.DevId == claim.DevId);
                if (claim is not null && !claim.InstanceUuid.Equals(domainUuid, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"device {row?.PortId ?? claim.DevId} ({claim.DevId}) is {claim.State.Name()} to instance {claim.InstanceUuid}");
                }
                else if (claim is not null && row is not { Present: not 0 })
                {
                    problems.Add($"device {claim.DevId} is not plugged in (last seen at port {row?.PortId ?? "?"})");
                }
                else if (row is not null && (row.BusId != h.Bus || row.DeviceId != h.Device))
                {
                    problems.Add($"device {row.PortId} ({row.DevId}) was replugged as bus {row.BusId} device {row.DeviceId} and the definition still names {h.Bus}/{h.Device}; usbpassd updates it within seconds: start the domain again");
                }

                continue;
            }

            // Someone else's hostdev: only a device another instance holds through usbpassd is our business.
            DeviceRow? taken = live.FirstOrDefault(r => r.Present != 0 && r.IsOwned
                && ((h.Bus is int b && h.Device is int d) ? r.BusId == b && r.DeviceId == d : r.VendorId == $"{h.VendorId:x4}" && r.ProductId == $"{h.ProductId:x4}")
                && !string.Equals(r.InstanceUuid, domainUuid, StringComparison.OrdinalIgnoreCase));
            if (taken is not null)
            {
                problems.Add($"device {taken.PortId} ({taken.DevId}) is {taken.Status} to instance {taken.InstanceUuid} through usbpassd");
            }
        }

        return problems.Count == 0 ? null : "mandatory USB " + string.Join("; ", problems).Replace('"', '\'').Replace('\\', '/')
            + ". Plug it in, detach it from the other instance, or make it optional (usbpassctl attach DEVICE INSTANCE without --mandatory)";
    }
}
