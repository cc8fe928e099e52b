using System.Text.Json.Nodes;
using UsbPassd.Placement;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>The Placement harness's checks see each kind of damage they look for (else a clean run would prove nothing).</summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class CrashPlacementCheckTests(CrashPlacementFixture fixture) : IClassFixture<CrashPlacementFixture>
{
    private const string Class = "CUSTOM_USB_46F4_0001";

    [Fact]
    public async Task The_checks_see_a_wrong_reserved_an_orphan_a_missing_provider_a_lost_allocation_and_a_ledger_that_does_not_follow()
    {
        string root = $"crash-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24];
        using var host = new CrashHost { Placement = $$"""{ "endpoint": "{{fixture.Server.Url}}", "token": "admin", "root_provider_name": "{{root}}", "poll_seconds": 1 }""" };
        var scenario = new CrashPlacementScenario(host, fixture.Server, root);
        await scenario.PreparedAsync(CrashOperation.PlacementDeallocate); // 1-2 allocated to B and reserved for it here
        host.Kill();
        Task<List<string>> Problems() => CrashPlacementCheck.ProblemsAsync(host, fixture.Server, root, scenario.Allocated);
        Assert.Empty(await Problems());

        string free = Provider(root, CrashHost.DevId(CrashPlacementScenario.LocalKey));
        string allocated = Provider(root, CrashHost.DevId(CrashPlacementScenario.AllocatedKey));
        await MustAsync(HttpMethod.Put, $"/resource_providers/{free}/inventories", new JsonObject
        {
            ["resource_provider_generation"] = (await fixture.Server.GetAsync($"/resource_providers/{free}/inventories"))["resource_provider_generation"]!.GetValue<long>(),
            ["inventories"] = new JsonObject { [Class] = new JsonObject { ["total"] = 1, ["reserved"] = 1 } },
        });
        Assert.Contains(await Problems(), p => p.Contains("reserved 1; want total 1, reserved 0", StringComparison.Ordinal));

        string rootUuid = (await fixture.Server.GetAsync("/resource_providers?name=" + root))["resource_providers"]![0]!["uuid"]!.GetValue<string>();
        string orphan = Guid.NewGuid().ToString();
        await MustAsync(HttpMethod.Post, "/resource_providers", new JsonObject { ["name"] = $"{root}_usb_dead_{orphan[..8]}", ["uuid"] = orphan, ["parent_provider_uuid"] = rootUuid });
        Assert.Contains(await Problems(), p => p.Contains("named by no registry row", StringComparison.Ordinal));

        await MustAsync(HttpMethod.Delete, $"/resource_providers/{free}", null);
        Assert.Contains(await Problems(), p => p.Contains("offered in the registry but no provider", StringComparison.Ordinal));

        await MustAsync(HttpMethod.Delete, $"/allocations/{host.UuidB}", null);
        List<string> lost = await Problems();
        Assert.Contains(lost, p => p.Contains($"the allocation of {host.UuidB} is gone", StringComparison.Ordinal));
        Assert.Contains(lost, p => p.Contains("for an allocation Placement no longer has", StringComparison.Ordinal));

        await MustAsync(HttpMethod.Put, $"/allocations/{host.UuidA}", new JsonObject
        {
            ["allocations"] = new JsonObject { [allocated] = new JsonObject { ["resources"] = new JsonObject { [Class] = 1 } } },
            ["project_id"] = Guid.NewGuid().ToString(), ["user_id"] = Guid.NewGuid().ToString(), ["consumer_generation"] = null, ["consumer_type"] = "INSTANCE",
        });
        List<string> stray = await Problems();
        Assert.Contains(stray, p => p.Contains($"an allocation of {host.UuidA} the scheduler never wrote", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(stray, p => p.Contains($"allocated to {host.UuidA} in Placement but the ledger says reserved", StringComparison.OrdinalIgnoreCase));
    }

    private static string Provider(string root, string devId) => PlacementNames.DeviceProvider(root, devId).ToString();

    private async Task MustAsync(HttpMethod method, string path, JsonObject? body)
    {
        HttpResponseMessage answer = await fixture.Server.SendAsync(method, path, body?.ToJsonString());
        Assert.True(answer.IsSuccessStatusCode, $"{method} {path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
    }
}
