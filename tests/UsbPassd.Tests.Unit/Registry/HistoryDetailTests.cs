using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Registry;

/// <summary>
/// History details are written by a source-generated context now, anonymous objects through reflection
/// before: entries of both eras sit in one table and are read by one history.list, so the JSON must not
/// change (snake_case, declaration order, nulls written).
/// </summary>
public sealed class HistoryDetailTests
{
    [Fact]
    public void Details_keep_the_shape_the_anonymous_objects_had()
    {
        Assert.Equal("""{"port_id":"1-1.2","address":"usb_1_5","previous_id":null,"status":"available"}""",
            RegistryJson.Detail(new AddedDetail("1-1.2", "usb_1_5", null, "available")));
        Assert.Equal("""{"instance_uuid":"vm","token":3,"previous_owner":null,"by":"uid 0","rule":null}""",
            RegistryJson.Detail(new ClaimDetail("vm", 3, null, "uid 0", null)));
        Assert.Equal(
            """{"previous_id":7,"from":{"address":"usb_1_5","port_id":"1-1","dev_id":"a"},"to":{"address":"usb_1_6","port_id":"1-1","dev_id":"a"},"instance_uuid":null,"status":"available"}""",
            RegistryJson.Detail(new ReplacedDetail(7, new DevicePlace("usb_1_5", "1-1", "a"), new DevicePlace("usb_1_6", "1-1", "a"), null, "available")));
    }

}
