using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Policy;

namespace UsbPassd.Tests.Unit.Policy;

public class ProcTablesTests
{
    [Fact]
    public void Mountinfo_gives_device_source_and_mount_point_past_any_optional_fields()
    {
        List<MountEntry> mounts = ProcTables.ParseMountInfo(
            "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
            + "37 22 8:17 / /mnt/a\\040b\\011c\\134d rw shared:7 master:2 propagate_from:3 - ext4 /dev/sdb1 rw\n"
            + "38 22 8:18 / /srv rw - xfs\n"   // cut short: skipped
            + "too short\n\n");

        Assert.Equal(
            [new MountEntry("98:0", "/dev/root", "/mnt/parent"), new MountEntry("8:17", "/dev/sdb1", "/mnt/a b\tc\\d")],
            mounts);
    }

    [Fact]
    public void Proc_mounts_and_swaps_give_their_first_columns()
    {
        Assert.Equal(
            [new MountEntry(null, "/dev/sdb1", "/media/USB STICK")],
            ProcTables.ParseMounts("/dev/sdb1 /media/USB\\040STICK vfat rw 0 0\nnonsense\n"));
        Assert.Equal(
            ["/dev/sdb2", "/swap file"],
            ProcTables.ParseSwaps("Filename\tType\tSize\tUsed\tPriority\n/dev/sdb2 partition 1048572 0 -2\n/swap\\040file file 4 0 -3\n").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/plain", "/plain")]
    [InlineData("/a\\040b", "/a b")]
    [InlineData("/a\\04", "/a\\04")]       // not three octal digits: kept
    [InlineData("/a\\999", "/a\\999")]
    [InlineData("/\\303\\251t\\303\\251", "/\u00e9t\u00e9")] // escaped UTF-8 bytes are the characters
    [InlineData("/\\377", "/\\xff")]       // a byte that is not UTF-8 reads as sysfs strings do
    public void Unescapes_the_kernels_octal_escapes(string field, string expected) => Assert.Equal(expected, ProcTables.Unescape(field));

    [Fact]
    public void Never_throws_on_any_text() =>
        Prop.ForAll<string>(text =>
        {
            string t = text ?? string.Empty;
            return ProcTables.ParseMountInfo(t) is not null && ProcTables.ParseMounts(t) is not null && ProcTables.ParseSwaps(t) is not null;
        }).QuickCheckThrowOnFailure();
}
