namespace UsbPassd.Cli.Output;

/// <summary><c>fleet release</c>'s answer: whether the consumer held allocations that are now gone.</summary>
internal sealed record FleetRelease(Guid Consumer, bool Released);
