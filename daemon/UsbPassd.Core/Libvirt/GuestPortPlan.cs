namespace UsbPassd.Libvirt;

/// <summary>Where a hostdev goes in the guest: a bus (controller index) and, when we chose it, a port.</summary>
public sealed record GuestUsbAddress(int Bus, string? Port);

/// <summary>
/// Decides the guest side of an attach (the seed's option 2): which controller, which port, and
/// whether a stopped domain needs a controller added first. Refusals are sentences an operator can
/// act on, instead of libvirt's "No free USB ports" after the fact.
/// </summary>
/// <param name="Address">null: let libvirt choose the port.</param>
/// <param name="AddController">A controller model to add to the definition first (config only), at <see cref="Address"/>'s bus.</param>
public sealed record GuestPortPlan(GuestUsbAddress? Address, string? AddController, string? Refusal)
{
    /// <param name="buses">From the live XML for a live attach, from the persistent XML for config only.</param>
    /// <param name="family">uhci, ehci, xhci, or null for any.</param>
    /// <param name="live">The attach includes the running guest (no controller can be hot-added, no hub appears).</param>
    /// <param name="nextIndex">Index for a controller we add.</param>
    public static GuestPortPlan For(IReadOnlyList<GuestUsbBus> buses, string? family, bool live, int nextIndex, string domain)
    {
        if (family is not null && family is not ("uhci" or "ehci" or "xhci"))
        {
            return Refuse($"controller must be uhci, ehci or xhci, not '{family}'");
        }

        IReadOnlyList<GuestUsbBus> candidates = family is null ? buses : [.. buses.Where(b => b.Family == family)];
        if (candidates.Count == 0)
        {
            if (family is null)
            {
                return live ? Refuse($"domain {domain} has no USB controller: shut it off and attach with --config --controller xhci (usbpassd adds one)") : new(null, null, null);
            }

            return live
                ? Refuse($"domain {domain} has no {family} controller and a running VM cannot get one: shut it off and attach with --config --controller {family} (usbpassd adds it), or attach without --controller")
                : new(new GuestUsbAddress(nextIndex, "1"), GuestUsbPorts.ModelFor(family), null);
        }

        if (candidates.FirstOrDefault(b => b.Ports is not null && b.Free.Count > 0) is GuestUsbBus open)
        {
            // With a family asked for we pin the port; otherwise libvirt's own choice is just as good.
            return family is null ? new(null, null, null) : new(new GuestUsbAddress(open.Index, open.Free[0]), null, null);
        }

        if (candidates.FirstOrDefault(b => b.Ports is null) is GuestUsbBus unknown)
        {
            return new(family is null ? null : new GuestUsbAddress(unknown.Index, null), null, null);
        }

        if (!live && family is null)
        {
            return new(null, null, null); // libvirt adds hubs at the next start when the ports run out
        }

        string full = string.Join(", ", candidates.Select(b => $"{b.Model} (bus {b.Index}) has {b.Used.Count} of {b.Used.Count + b.Free.Count} ports taken"));
        return Refuse($"no free USB port in domain {domain}: {full}. Detach a device, or shut the VM off and give it more ports " +
            "(<controller type='usb' model='qemu-xhci' ports='15'/>) or another controller (usbpassctl attach --config --controller xhci)");
    }

    private static GuestPortPlan Refuse(string why) => new(null, null, why);
}
