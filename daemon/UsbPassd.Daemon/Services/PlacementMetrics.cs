using UsbPassd.Metrics;
using UsbPassd.Placement;

namespace UsbPassd.Daemon.Services;

/// <summary>The Placement sync's figures in the metrics (only when the sync is configured).</summary>
public static class PlacementMetrics
{
    public static void AddTo(PrometheusText text, PlacementSyncStatus s)
    {
        if (!s.Enabled)
        {
            return;
        }

        text.Family("usbpassd_placement_connected", "gauge", "1 when the last Placement request got through.").Sample("usbpassd_placement_connected", s.Connected ? 1 : 0);
        text.Family("usbpassd_placement_providers", "gauge", "Device providers of this host in Placement.").Sample("usbpassd_placement_providers", s.Providers);
        text.Family("usbpassd_placement_pending", "gauge", "Device changes not yet in Placement.").Sample("usbpassd_placement_pending", s.Pending);
        text.Family("usbpassd_placement_allocated", "gauge", "Device providers of this host that an instance holds an allocation on.").Sample("usbpassd_placement_allocated", s.Allocated);
        text.Family("usbpassd_placement_conflicts", "gauge", "Allocations not followed because another instance holds the device here.").Sample("usbpassd_placement_conflicts", s.Conflicts);
        text.Family("usbpassd_placement_requests_total", "counter", "Requests sent to Placement (and Keystone renewals' retries).").Sample("usbpassd_placement_requests_total", s.Requests);
    }
}
