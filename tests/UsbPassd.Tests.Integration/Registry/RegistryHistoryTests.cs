using UsbPassd.Registry;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Registry;

/// <summary>The history read in pages from the newest back, by id: every entry once, in order, also with filters.</summary>
public sealed class RegistryHistoryTests : IDisposable
{
    private readonly RegistryFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Theory]
    [InlineData(null, 1)]
    [InlineData(null, 7)]
    [InlineData("46f4:0001:KEY-0001", 3)]
    public void Pages_before_an_id_give_the_whole_history_once(string? devId, int limit)
    {
        DeviceRepository repo = _fx.Open();
        for (int i = 0; i < 10; i++)
        {
            repo.ApplyScan(Scan(Device("1-2", 3 + i, "KEY-0001"), Device("1-3", 40 + i, $"OTHER-{i % 2}")));
            repo.ApplyScan(Scan());
        }

        long[] all = [.. repo.History(devId).Select(h => h.Id)];
        Assert.True(all.Length >= 20, $"{all.Length} entries");

        var paged = new List<long>();
        long? before = null;
        while (true)
        {
            long[] page = [.. repo.History(devId, limit: limit, beforeId: before).Select(h => h.Id)];
            Assert.Equal(page.Order(), page);
            Assert.All(page, id => Assert.True(before is null || id < before));
            paged.InsertRange(0, page);
            if (page.Length < limit)
            {
                break;
            }

            before = page[0];
        }

        Assert.Equal(all, paged);
    }
}
