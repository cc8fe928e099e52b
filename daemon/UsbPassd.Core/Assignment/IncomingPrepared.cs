using UsbPassd.Migration;
using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>What the destination answers the <c>migrate begin</c> hook: the rewritten XML (null: unchanged) and the devices it reserved.</summary>
public sealed record IncomingPrepared(string? Xml, IReadOnlyList<(DeviceRow Row, IncomingHostdev Hostdev)> Reserved);
