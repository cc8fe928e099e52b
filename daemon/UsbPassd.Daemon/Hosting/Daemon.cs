using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Api;
using UsbPassd.Daemon.Services;
using UsbPassd.Devices;
using UsbPassd.Pipeline;
using UsbPassd.Policy;
using UsbPassd.Registry;
using UsbPassd.Uevents;

namespace UsbPassd.Daemon.Hosting;

/// <summary>Builds the host from the options and runs it until SIGTERM.</summary>
internal static class Daemon
{
    public static async Task<int> RunAsync(DaemonOptions options)
    {
        // Under systemd, stderr goes to the journal: "<N>" priority prefixes instead of colours.
        bool journal = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null;
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddConfiguration(builder.Configuration);
        builder.Logging.SetMinimumLevel(Environment.GetEnvironmentVariable("USBPASSD_DEBUG") == "1" ? LogLevel.Debug : LogLevel.Information);
        // Our own formatter: one line per event with device strings escaped (LogLineFormatter says why).
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter>(new LogLineFormatter(journal)));
        builder.Logging.AddConsole(o => o.FormatterName = LogLineFormatter.FormatterName);

        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        using ILoggerFactory early = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));

        RegistryDatabase registry;
        IUeventSource? source;
        try
        {
            registry = RegistryDatabase.Open(options.RegistryPath, Environment.MachineName);
            source = OpenSource(options);
        }
        catch (RegistryException e)
        {
            Console.Error.WriteLine($"usbpassd: {e.Message}");
            return 1;
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"usbpassd: cannot listen for uevents ({e.Message}); run as root, or use --uevents none");
            return 1;
        }

        DevicePolicy policy;
        try
        {
            policy = PolicySource.Load(options);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"usbpassd: {e.Message}");
            return 1;
        }

        UsbIds names = LoadNames(options.UsbIds);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton(names);
        builder.Services.AddSingleton(new LogPrivacy(options.HideSerials));
        builder.Services.AddSingleton(sp => new DeviceRepository(registry, names));
        builder.Services.AddSingleton(_ => new SysfsScanner(options.SysfsRoot));
        builder.Services.AddSingleton(sp => new PolicyService(options, policy, sp.GetRequiredService<SysfsScanner>(), sp.GetRequiredService<DeviceRepository>(), sp.GetRequiredService<ILogger<PolicyService>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PolicyService>());
        builder.Services.AddSingleton(sp => new DevicePipeline(sp.GetRequiredService<SysfsScanner>(), sp.GetRequiredService<DeviceRepository>(), names, sp.GetRequiredService<PolicyService>().JudgeAll));
        builder.Services.AddSingleton<PipelineStats>();
        SystemdHosting.Add(builder.Services);
        builder.Services.AddSingleton(sp => new UeventService(source, sp.GetRequiredService<DevicePipeline>(), sp.GetRequiredService<PipelineStats>(), sp.GetRequiredService<PolicyService>(), sp.GetRequiredService<ILogger<UeventService>>(), sp.GetRequiredService<LogPrivacy>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UeventService>());
        builder.Services.AddSingleton<UsbPassd.Rpc.DeviceView>();
        builder.Services.AddSingleton(sp => new AssignmentRepository(registry));
        builder.Services.AddSingleton<Removals>();
        builder.Services.AddSingleton<LibvirtService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LibvirtService>());
        builder.Services.AddSingleton(sp => new AssignmentService(
            sp.GetRequiredService<DeviceRepository>(), sp.GetRequiredService<AssignmentRepository>(), sp.GetRequiredService<LibvirtService>().Current,
            sp.GetRequiredService<PolicyService>().CheckRow, sp.GetRequiredService<Removals>()));
        builder.Services.AddSingleton<ReplugService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplugService>());
        builder.Services.AddSingleton<MigrationService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MigrationService>());
        builder.Services.AddSingleton(sp => new StartGate(sp.GetRequiredService<DeviceRepository>(), sp.GetRequiredService<AssignmentRepository>()));
        builder.Services.AddSingleton<MetricsService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MetricsService>());
        PlacementService.AddTo(builder.Services);
        RpcMethodCatalog.AddTo(builder.Services);
        builder.Services.AddHostedService<RpcService>();
        builder.Services.AddHostedService<SystemdService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        using IHost host = builder.Build();
        try
        {
            await host.RunAsync();
        }
        catch (IOException e)
        {
            // A service could not bind its resources (the socket is taken, a folder is not writable).
            Console.Error.WriteLine($"usbpassd: {e.Message}");
            return 1;
        }

        return 0;
    }

    private static IUeventSource? OpenSource(DaemonOptions options)
    {
        if (options.Uevents == "none")
        {
            return null;
        }

        if (options.Uevents.StartsWith("replay:", StringComparison.Ordinal))
        {
            return new ReplayUeventSource(options.Uevents["replay:".Length..]);
        }

        // udev's group while udevd runs (devices are initialised, /dev nodes exist); the kernel's while it does not.
        return UdevOrKernelUeventSource.Open(options.UeventBuffer);
    }

    private static UsbIds LoadNames(string path)
    {
        try
        {
            return UsbIds.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"usbpassd: no names from {path} ({e.Message}); using the devices' own strings (install the usb.ids package)");
            return UsbIds.Empty;
        }
    }
}
