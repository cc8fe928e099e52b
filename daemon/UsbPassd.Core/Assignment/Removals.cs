using System.Collections.Concurrent;
using UsbPassd.Libvirt;

namespace UsbPassd.Assignment;

/// <summary>
/// Our live detaches waiting for libvirt's device-removed event (by domain and alias): a live detach
/// is done only when libvirt says so, within <see cref="Confirmation"/>. One per daemon, shared by the
/// assignment operations (which wait) and the libvirt service (which hears the events and completes).
/// </summary>
public sealed class Removals
{
    public static readonly TimeSpan Confirmation = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<(string Uuid, string Alias), TaskCompletionSource> _waiting = new();

    /// <summary>Called from the libvirt event loop: completes a pending live detach.</summary>
    /// <returns>False when no detach of ours waited for it (someone used virsh): reconcile.</returns>
    public bool OnDeviceRemoved(string domainUuid, string alias)
    {
        if (_waiting.TryRemove((domainUuid, alias), out TaskCompletionSource? done))
        {
            done.TrySetResult();
            return true;
        }

        return false;
    }

    /// <summary>Detaches by alias; a live detach is done only when libvirt's device-removed event says so, within <see cref="Confirmation"/>.</summary>
    /// <exception cref="TimeoutException">No confirmation in time.</exception>
    internal async Task DetachConfirmedAsync(LibvirtConnection connection, LibvirtDomain domain, string alias, uint flags)
    {
        TaskCompletionSource? removed = (flags & AttachFlags.Live) != 0
            ? _waiting.GetOrAdd((domain.Uuid, alias), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            : null;
        try
        {
            connection.DetachAlias(domain, alias, flags);
            if (removed is not null)
            {
                await removed.Task.WaitAsync(Confirmation);
            }
        }
        finally
        {
            _waiting.TryRemove((domain.Uuid, alias), out _);
        }
    }

    /// <summary>
    /// Asks libvirt to detach, then waits for its confirmation (<see cref="DetachConfirmedAsync"/>).
    /// Without one in time, libvirt's XML says whether our hostdev is still there.
    /// </summary>
    /// <returns>True when it is gone, false when libvirt still lists it, null when libvirt cannot be asked (the reconcile after the reconnect settles it).</returns>
    /// <exception cref="LibvirtException">libvirt refused the detach: nothing changed.</exception>
    public async Task<bool?> DetachGoneAsync(LibvirtConnection connection, LibvirtDomain domain, string alias, uint flags)
    {
        try
        {
            await DetachConfirmedAsync(connection, domain, alias, flags);
            return true;
        }
        catch (TimeoutException)
        {
            // Not confirmed in time: libvirt's XML decides. (Should the event come later, it
            // queues a reconcile: no detach of ours waits for it any more.)
        }

        try
        {
            return !DomainXml.UsbHostdevs(connection.Xml(domain)).Any(h => h.Alias == alias);
        }
        catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
        {
            return true; // the domain is gone, its hostdevs with it
        }
        catch (LibvirtException)
        {
            return null;
        }
    }
}
