using UsbPassd.Protocol.Messages;
using UsbPassd.Protocol.StreamJsonRpc;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>instances.list through the StreamJsonRpc contract (IUsbPassd), as a .NET orchestrator calls it.</summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class InstancesListClientTests(StreamJsonRpcFixture daemon) : IClassFixture<StreamJsonRpcFixture>
{
    [Fact]
    public async Task The_proxy_gets_the_domains_as_the_protocols_records()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        InstanceInfo[] instances = await c.Proxy.InstancesListAsync();

        InstanceInfo mine = instances.Single(i => i.Name == daemon.Domain);
        Assert.Equal((daemon.DomainUuid, "shut off", true), (mine.Uuid, mine.State, mine.Persistent));
        Assert.Empty(mine.Devices);
        Assert.Equal(instances.Select(i => i.Name).Order(StringComparer.Ordinal), instances.Select(i => i.Name));
    }
}
