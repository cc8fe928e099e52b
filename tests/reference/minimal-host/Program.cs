using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

// The .NET template's Generic Host with systemd support, and nothing else: what start → READY=1
// costs before any work of ours. AddSystemd() switches itself on only under systemd; the benchmark,
// like usbpassd's own tests, is the parent and gives a NOTIFY_SOCKET, so the same lifetime is
// registered by hand then (as usbpassd's SystemdHosting does).
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
if (!SystemdHelpers.IsSystemdService() && Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is not null)
{
    builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
    builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
}

await builder.Build().RunAsync();
