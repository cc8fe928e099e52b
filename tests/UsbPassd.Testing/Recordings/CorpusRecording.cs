using System.Diagnostics;

namespace UsbPassd.Testing.Recordings;

/// <summary>Turns any file of the corpus into a sysfs tree, by its format (as named in corpus-facts.json).</summary>
public static class CorpusRecording
{
    public static readonly string[] SysfsFormats = ["umockdev", "sysfs-tar"];

    /// <summary>The recording's devices as the synthetic formats state them (not for umockdev and sysfs-tar).</summary>
    public static IReadOnlyList<SyntheticUsbDevice> ReadSynthetic(string file, string format) => format switch
    {
        "lsusb-list" => LsusbText.ParseList(LsusbText.Read(file)),
        "lsusb-verbose" => LsusbText.ParseVerbose(LsusbText.Read(file)),
        "lsusb-tree" or "lsusb-tree-verbose" => LsusbText.ParseTree(LsusbText.Read(file)),
        "ccid-parse" => [OtherFormats.ParseCcid(File.ReadAllText(file))],
        "kernel-uevent" => [OtherFormats.ParseKernelUevent(File.ReadAllBytes(file))],
        "descriptors" => [OtherFormats.ParseDescriptorBlob(File.ReadAllBytes(file))],
        "descriptors-decoded" => [OtherFormats.ParseDecodedDescriptors(File.ReadAllText(file))],
        "fwupd-json" => [OtherFormats.ParseFwupdJson(File.ReadAllText(file))],
        _ => throw new ArgumentException($"unknown corpus format '{format}'", nameof(format)),
    };

    /// <summary>A new temporary sysfs tree holding the recording; the returned tree's Root plays /sys.</summary>
    public static SysfsTree Materialize(string file, string format)
    {
        // The tarball holds sys/ at its top: that folder is the root.
        SysfsTree tree = SysfsTree.CreateTemporary(format == "sysfs-tar" ? "sys" : "");
        try
        {
            switch (format)
            {
                case "umockdev":
                    UmockdevTree.Write(tree, file);
                    break;
                case "sysfs-tar":
                    Untar(file, Path.GetDirectoryName(tree.Root)!);
                    break;
                default:
                    foreach (SyntheticUsbDevice d in ReadSynthetic(file, format))
                    {
                        tree.AddUsbDevice(d);
                    }

                    break;
            }

            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    private static void Untar(string archive, string into)
    {
        using Process tar = Process.Start(new ProcessStartInfo("tar", ["-xJf", archive, "-C", into]) { RedirectStandardError = true })!;
        string error = tar.StandardError.ReadToEnd();
        tar.WaitForExit();
        if (tar.ExitCode != 0)
        {
            throw new InvalidOperationException($"tar -xJf {archive} failed ({tar.ExitCode}): {error}");
        }
    }

}
