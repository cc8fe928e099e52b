using System.Text;
using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Devices;

namespace UsbPassd.Tests.Unit.Devices;

public class SysfsTextTests
{
    [Theory]
    [InlineData("480\n", "480")]
    [InlineData("480", "480")]             // old umockdev recordings have no newline
    [InlineData("a\n\n", "a\n")]           // only one newline goes
    [InlineData(" 2.00\n", " 2.00")]       // the kernel's %2d padding stays
    [InlineData("ACR38 USB Reader   \n", "ACR38 USB Reader   ")]
    [InlineData("\n", "")]
    [InlineData("", "")]
    [InlineData("U.are.U\u00ae 4500\n", "U.are.U\u00ae 4500")]
    public void Decode_removes_one_trailing_newline_and_nothing_else(string raw, string expected) =>
        Assert.Equal(expected, SysfsText.Decode(Encoding.UTF8.GetBytes(raw)));

    [Fact]
    public void Decode_escapes_bytes_that_are_not_utf8()
    {
        byte[] raw = [(byte)'S', 0xff, (byte)'N', 0xc3, (byte)'\n'];
        Assert.Equal("S\\xffN\\xc3", SysfsText.Decode(raw));
    }

    [Fact]
    public void Decode_never_throws_and_is_lossless_for_utf8() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            string decoded = SysfsText.Decode(bytes ?? []);
            byte[] trimmed = SysfsText.TrimOneNewline(bytes ?? []).ToArray();
            return !System.Text.Unicode.Utf8.IsValid(trimmed) || decoded == Encoding.UTF8.GetString(trimmed);
        }).QuickCheckThrowOnFailure();
}
