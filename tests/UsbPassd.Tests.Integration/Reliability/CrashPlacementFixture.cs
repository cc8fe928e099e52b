using UsbPassd.Tests.Integration.Placement;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>One real Placement (its own loopback port and folder) for a test class's crash pairs; each host syncs under a root of its own.</summary>
public sealed class CrashPlacementFixture : IDisposable
{
    public PlacementServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}
