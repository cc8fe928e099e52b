namespace UsbPassd.Protocol.Messages;

/// <summary>
/// A registry row as clients see it (<c>devices.list</c>, <c>devices.get</c>, notifications): the
/// identity and ownership fields at the top, every fact of the device in <see cref="Info"/>.
/// </summary>
public sealed record DeviceRecord
{
    public required long Id { get; init; }
    public required string Status { get; init; }
    public string? DevId { get; init; }
    public string? PortId { get; init; }
    public required string Address { get; init; }
    public string? VendorId { get; init; }
    public string? ProductId { get; init; }
    public string? Serial { get; init; }
    public long? BusId { get; init; }
    public long? DeviceId { get; init; }
    public string? InstanceUuid { get; init; }
    public long? PreviousId { get; init; }
    public required bool Present { get; init; }
    public required bool Deleted { get; init; }
    public required string CreatedAt { get; init; }
    public string? UpdatedAt { get; init; }
    public string? DeletedAt { get; init; }

    /// <summary>The full facts from discovery; null only for rows migrated from a seed-era database.</summary>
    public UsbDeviceInfo? Info { get; init; }
}
