using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace UsbPassd.Daemon.Hosting;

/// <summary>
/// Microsoft.Extensions.Hosting.Systemd does the systemd lifetime: READY=1 once every hosted service has
/// started, STOPPING=1 on SIGTERM. What it lacks is ours (<see cref="SystemdService"/>: STATUS=, and
/// WATCHDOG=1 only while the pipeline answers), sent through the same <see cref="ISystemdNotifier"/>.
/// </summary>
internal static class SystemdHosting
{
    public static void Add(IServiceCollection services)
    {
        // AddSystemd() switches itself on only when our parent is systemd (or we are PID 1). A test or a
        // benchmark that starts usbpassd with a NOTIFY_SOCKET of its own is not systemd, yet must see the
        // same READY=1/WATCHDOG=1 as systemd would: there the same two parts are registered by hand.
        if (SystemdHelpers.IsSystemdService())
        {
            services.AddSystemd();
        }
        else if (Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is not null)
        {
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        // Registered last, so it is the notifier both the lifetime and SystemdService get. It reads
        // NOTIFY_SOCKET when built; the variable then leaves our environment, so that no program we
        // start (virsh, the policy's helpers) can speak for us to systemd.
        services.AddSingleton<ISystemdNotifier>(_ =>
        {
            var notifier = new SystemdNotifier();
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
            return notifier;
        });
    }
}
