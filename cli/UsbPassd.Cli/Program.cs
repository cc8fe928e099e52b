using UsbPassd.Cli;

return UsbPassctl.Run(args, Console.Out, Console.Error);
