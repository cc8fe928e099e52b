using UsbPassd.Placement;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>The sync's cache of what it wrote: read back as written; a damaged file is no cache.</summary>
public sealed class SyncCacheTests
{
    [Fact]
    public void Round_trip_and_damage()
    {
        string file = Path.GetTempFileName();
        try
        {
            Guid uuid = Guid.NewGuid();
            new SyncCache
            {
                Endpoint = "http://127.0.0.1:8778",
                Root = "compute-1",
                Providers = new() { [uuid] = new KnownProvider { Generation = 4, ResourceClass = "CUSTOM_USB_0781_5567", Reserved = 1, Traits = ["CUSTOM_X"] } },
                Vocabulary = ["trait:CUSTOM_X"],
            }.Save(file);

            SyncCache read = SyncCache.Load(file)!;

            Assert.Equal(4, read.Providers[uuid].Generation);
            Assert.Equal(1, read.Providers[uuid].Reserved);
            Assert.Equal(["CUSTOM_X"], read.Providers[uuid].Traits);
            Assert.Equal(["trait:CUSTOM_X"], read.Vocabulary);

            File.WriteAllText(file, "{ not json");
            Assert.Null(SyncCache.Load(file));
            Assert.Null(SyncCache.Load("/nonexistent/cache.json"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
