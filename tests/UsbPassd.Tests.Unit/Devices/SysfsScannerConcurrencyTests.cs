using System.Collections.Concurrent;
using UsbPassd.Devices;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Unit.Devices;

/// <summary>
/// One scanner serves the uevent pipeline and every policy check of the RPC connections at once:
/// reads from many threads give exactly what one thread reads (shared buffers once mixed devices
/// up: an allowed device was answered "blocked", "a hub", "not plugged in now").
/// </summary>
public sealed class SysfsScannerConcurrencyTests : IDisposable
{
    private const int Threads = 8;
    private const int Rounds = 200;

    private readonly SysfsTree _tree = CorpusRecording.Materialize(
        Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__cameras__canon-powershot-sx200.umockdev"), "umockdev");

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Reads_from_many_threads_at_once_are_those_of_one_thread()
    {
        DeviceScan alone = new SysfsScanner(_tree.Root).Scan();
        Dictionary<string, string> expected = alone.Devices.ToDictionary(d => d.SysfsPath!, TestDevices.Describe);
        string[] expectedScan = [.. alone.Devices.Select(TestDevices.Describe)];
        Assert.True(expected.Count >= 5, $"the recorded tree has {expected.Count} devices");

        var shared = new SysfsScanner(_tree.Root);
        var wrong = new ConcurrentQueue<string>();
        int reads = 0;
        using var start = new Barrier(Threads);
        Thread[] threads = [.. Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            // Each thread walks the devices from another one, so different devices are read at the same time.
            string[] order = [.. expected.Keys.Skip(t % expected.Count), .. expected.Keys.Take(t % expected.Count)];
            start.SignalAndWait();
            try
            {
                for (int round = 0; round < Rounds; round++)
                {
                    if ((round + t) % 8 == 0 && !shared.Scan().Devices.Select(TestDevices.Describe).SequenceEqual(expectedScan))
                    {
                        wrong.Enqueue("a whole scan differs");
                    }

                    foreach (string path in order)
                    {
                        Interlocked.Increment(ref reads);
                        if (!shared.TryReadDevice(path, out UsbDevice? d, out string? problem))
                        {
                            wrong.Enqueue($"{path}: {problem}");
                        }
                        else if (TestDevices.Describe(d) != expected[path])
                        {
                            wrong.Enqueue($"{path}: read as {TestDevices.Describe(d)}");
                        }
                    }
                }
            }
            catch (Exception e)
            {
                wrong.Enqueue($"thread {t}: {e}");
            }
        })
        { IsBackground = true })];

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.True(wrong.IsEmpty, $"{wrong.Count} wrong of {reads} reads, e.g.\n{string.Join('\n', wrong.Take(5))}");
    }
}
