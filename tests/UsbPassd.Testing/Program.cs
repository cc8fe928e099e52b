using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

// A small tool over the corpus for `make demo` and the benchmarks:
//   corpus-trees OUT        every USB recording of the corpus as a sysfs tree OUT/<name>
//   big-tree OUT COUNT      one sysfs tree with COUNT devices cloned from the corpus
//   lab-demo USBPASSCTL USBPASSD   the lab demo (`make demo`), with the shipped executables
//   rpc-stress …            a hostile client of the socket (RpcStressCommand: pipeline, hold, flood)
switch (args)
{
    case ["rpc-stress", .. var rest]:
        return await UsbPassd.Testing.Rpc.RpcStressCommand.RunAsync(rest);
    case ["lab-demo", string usbpassctl, string usbpassd]:
        return await UsbPassd.Testing.Lab.LabDemo.RunAsync(Path.GetFullPath(usbpassctl), Path.GetFullPath(usbpassd));
    case ["corpus-trees", string output]:
        foreach ((string file, string format) in CorpusFacts.Files())
        {
            using SysfsTree tree = CorpusRecording.Materialize(Path.Combine(Corpus.Raw, file), format);
            string target = Path.Combine(output, Path.GetFileName(file));
            CopyTree(tree.Root, target);
            Console.WriteLine(target);
        }

        return 0;
    case ["big-tree", string output, string count]:
        BigTree.Write(output, int.Parse(count));
        return 0;
    default:
        Console.Error.WriteLine("usage: UsbPassd.Testing corpus-trees OUT | big-tree OUT COUNT | lab-demo USBPASSCTL USBPASSD | rpc-stress …");
        return 2;
}

static void CopyTree(string from, string to)
{
    using var cp = System.Diagnostics.Process.Start("cp", ["-a", from + "/.", Directory.CreateDirectory(to).FullName])!;
    cp.WaitForExit();
}
