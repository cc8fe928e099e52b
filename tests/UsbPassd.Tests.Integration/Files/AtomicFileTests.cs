using System.Security.Cryptography;
using UsbPassd.Files;

namespace UsbPassd.Tests.Integration.Files;

/// <summary>
/// AtomicFile on real files, as root in a directory another user could write to: links planted at
/// the temporary or the target name are not followed, the mode is the one asked whatever the umask,
/// and the content is whole.
/// </summary>
[Collection(UmaskGroup.Name)]
public sealed class AtomicFileTests : IDisposable
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _shared = Directory.CreateTempSubdirectory("usbpassd-textfile-").FullName;
    private readonly string _elsewhere = Directory.CreateTempSubdirectory("usbpassd-elsewhere-").FullName;
    private readonly string _victim;

    public AtomicFileTests()
    {
        _victim = Path.Combine(_elsewhere, "shadow");
        File.WriteAllText(_victim, "root's secret\n");
        File.SetUnixFileMode(_victim, Private);
    }

    private string Target => Path.Combine(_shared, "usbpassd.prom");

    public void Dispose()
    {
        Directory.Delete(_shared, recursive: true);
        Directory.Delete(_elsewhere, recursive: true);
    }

    [Fact]
    public void The_content_is_whole_and_the_mode_is_the_one_asked_under_umask_077()
    {
        byte[] content = RandomNumberGenerator.GetBytes(3 << 20);
        File.WriteAllText(Target, "the old figures\n");

        using (new ProcessUmask("077"))
        {
            AtomicFile.Write(Target, content, Readable);
        }

        Assert.Equal(content, File.ReadAllBytes(Target));
        Assert.Equal(Readable, File.GetUnixFileMode(Target));
        Assert.Equal(["usbpassd.prom"], Directory.GetFileSystemEntries(_shared).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("usbpassd.prom.tmp")]
    [InlineData(".usbpassd.prom.tmp")]
    [InlineData("usbpassd.prom~")]
    public void A_link_planted_at_a_predictable_temporary_name_is_not_followed(string planted)
    {
        File.CreateSymbolicLink(Path.Combine(_shared, planted), _victim);

        AtomicFile.Write(Target, "usbpassd_devices 1\n"u8, Readable);

        AssertVictimUntouched();
        Assert.Equal("usbpassd_devices 1\n", File.ReadAllText(Target));
    }

    [Fact]
    public void A_link_at_the_very_temporary_name_makes_the_write_fail_without_following_it()
    {
        string temporary = Path.Combine(_shared, ".usbpassd.prom.guessed.tmp");
        string absent = Path.Combine(_elsewhere, "created-through-the-link");
        File.CreateSymbolicLink(temporary, _victim);
        File.CreateSymbolicLink(temporary + "2", absent);

        Assert.Throws<IOException>(() => AtomicFile.Write(Target, "x\n"u8, Readable, temporary));
        Assert.Throws<IOException>(() => AtomicFile.Write(Target, "x\n"u8, Readable, temporary + "2"));

        AssertVictimUntouched();
        Assert.False(File.Exists(absent), "a dangling link's target was created");
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public void A_link_at_the_target_is_replaced_not_followed()
    {
        File.CreateSymbolicLink(Target, _victim);

        AtomicFile.Write(Target, "usbpassd_devices 2\n"u8, Readable);

        AssertVictimUntouched();
        Assert.Null(new FileInfo(Target).LinkTarget);
        Assert.Equal("usbpassd_devices 2\n", File.ReadAllText(Target));
    }

    [Fact]
    public void A_failed_write_leaves_the_target_as_it_was_and_no_temporary_file()
    {
        Directory.CreateDirectory(Target); // rename(2) cannot put a file over a directory

        Exception e = Record.Exception(() => AtomicFile.Write(Target, "x\n"u8, Readable));

        Assert.True(e is IOException or UnauthorizedAccessException, e?.ToString());
        Assert.True(Directory.Exists(Target));
        Assert.Equal(["usbpassd.prom"], Directory.GetFileSystemEntries(_shared).Select(Path.GetFileName));
    }

    private void AssertVictimUntouched()
    {
        Assert.Equal("root's secret\n", File.ReadAllText(_victim));
        Assert.Equal(Private, File.GetUnixFileMode(_victim));
    }
}
