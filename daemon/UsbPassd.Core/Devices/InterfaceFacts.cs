namespace UsbPassd.Devices;

/// <summary>An interface of the device's active configuration, as <see cref="DeviceFacts"/> keeps it; class codes are 2 lowercase hex digits.</summary>
public sealed record InterfaceFacts
{
    public required int Number { get; init; }
    public required string Class { get; init; }
    public required string Subclass { get; init; }
    public required string Protocol { get; init; }
    public string? ClassName { get; init; }
}
