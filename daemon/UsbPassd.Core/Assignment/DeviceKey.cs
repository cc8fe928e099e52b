namespace UsbPassd.Assignment;

/// <summary>
/// How a caller named a device: the word as given (for messages) and what it selects: a registry
/// id, a dev_id, a port or a bus address (exactly one). The edge parses the word.
/// </summary>
public sealed record DeviceKey(string Word, long? Id = null, string? DevId = null, string? PortId = null, string? Address = null);
