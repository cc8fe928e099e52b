using SharpFuzz;

namespace UsbPassd.Fuzz;

/// <summary>
/// <c>UsbPassd.Fuzz TARGET</c> under afl-fuzz (tests/fuzz/run.sh), or <c>UsbPassd.Fuzz TARGET FILE...</c>
/// to replay inputs by hand (a crash's file, say) and see the exception.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out Action<byte[]>? target))
        {
            Console.Error.WriteLine($"usage: UsbPassd.Fuzz TARGET [FILE...]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
            return 2;
        }

        if (args.Length > 1)
        {
            foreach (string file in args.Skip(1))
            {
                target(File.ReadAllBytes(file));
                Console.WriteLine($"{file}: no unexpected exception");
            }

            return 0;
        }

        // Persistent mode: one process runs input after input (the fork-server equivalent SharpFuzz
        // offers), so the runtime starts once per campaign rather than once per execution.
        Fuzzer.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            target(copy.ToArray());
        });
        return 0;
    }
}
