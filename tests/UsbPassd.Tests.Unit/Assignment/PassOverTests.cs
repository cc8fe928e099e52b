using UsbPassd.Assignment;
using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Assignment;

/// <summary>
/// A reconcile pass leaves a device in flight to its operation; the operation's end owes the pass
/// again (libvirtd restarting under an attach: the reconnect's pass came while it was in flight).
/// </summary>
public class PassOverTests
{
    private static AssignmentCore Core() => new(null!, null!, () => null, null, new Removals());

    private static DeviceRow Row(string devId) => new() { Id = 1, DevId = devId };

    [Fact]
    public void A_device_nobody_moves_is_settled_now_and_owes_nothing()
    {
        AssignmentCore core = Core();
        int owed = 0;
        core.PassOwed += () => owed++;
        Assert.False(core.PassOver("d1"));
        using (core.Moving(Row("d2")))
        {
        }

        Assert.Equal(0, owed);
    }

    [Fact]
    public void A_device_passed_over_owes_one_pass_when_its_operation_ends()
    {
        AssignmentCore core = Core();
        int owed = 0;
        core.PassOwed += () => owed++;
        IDisposable busy = core.Moving(Row("d1"));
        Assert.True(core.PassOver("d1"));
        Assert.True(core.PassOver("d1")); // a second pass while it still moves: still one owed
        Assert.Equal(0, owed);
        busy.Dispose();
        Assert.Equal(1, owed);
        Assert.False(core.PassOver("d1"));
    }

    [Fact]
    public void Two_operations_on_one_device_owe_the_pass_when_the_last_ends()
    {
        AssignmentCore core = Core();
        int owed = 0;
        core.PassOwed += () => owed++;
        IDisposable first = core.Moving(Row("d1"));
        IDisposable second = core.Moving(Row("d1"));
        Assert.True(core.PassOver("d1"));
        first.Dispose();
        Assert.Equal(0, owed);
        Assert.True(core.IsMoving("d1"));
        second.Dispose();
        Assert.Equal(1, owed);
    }

    [Fact]
    public void A_swap_that_moved_two_devices_owes_one_pass_per_device_passed_over()
    {
        AssignmentCore core = Core();
        int owed = 0;
        core.PassOwed += () => owed++;
        IDisposable busy = core.Moving(Row("a"), Row("b"));
        Assert.True(core.PassOver("b"));
        busy.Dispose();
        Assert.Equal(1, owed);
    }
}

/// <summary>A pass reads the XML before the ledger: a device moved in between is left for a later pass.</summary>
public class PassOverSinceTests
{
    [Fact]
    public void A_device_moved_after_the_pass_read_the_xml_is_left_and_owes_a_pass_now()
    {
        var core = new AssignmentCore(null!, null!, () => null, null, new Removals());
        int owed = 0;
        core.PassOwed += () => owed++;
        long since = core.Sequence;
        using (core.Moving(new DeviceRow { Id = 1, DevId = "d1" }))
        {
        }

        Assert.True(core.PassOver("d1", since));
        Assert.Equal(1, owed);
        Assert.False(core.PassOver("d1", core.Sequence)); // a pass that read the XML after the move settles it
    }

    [Fact]
    public void A_device_moved_before_the_pass_read_the_xml_is_settled_now()
    {
        var core = new AssignmentCore(null!, null!, () => null, null, new Removals());
        using (core.Moving(new DeviceRow { Id = 1, DevId = "d1" }))
        {
        }

        long since = core.Sequence;
        Assert.False(core.PassOver("d1", since));
        Assert.False(core.PassOver("d2", since));
    }
}
