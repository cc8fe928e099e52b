namespace UsbPassd.Devices;

/// <summary>One interface (alternate setting 0) of the device's active configuration.</summary>
public sealed record UsbInterface(int Number, byte Class, byte SubClass, byte Protocol);
