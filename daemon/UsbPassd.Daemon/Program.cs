using UsbPassd.Daemon.Hosting;

return await DaemonCommandLine.RunAsync(args);
