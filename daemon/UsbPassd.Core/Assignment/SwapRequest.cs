namespace UsbPassd.Assignment;

/// <summary>The domain gives up <paramref name="From"/> and takes <paramref name="To"/> (the seed's resize A→B).</summary>
public sealed record SwapRequest(string? Instance, DeviceKey? From, DeviceKey? To, string? Mode = null);
