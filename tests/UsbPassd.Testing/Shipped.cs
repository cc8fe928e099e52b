namespace UsbPassd.Testing;

/// <summary>
/// usbpassd and usbpassctl as shipped: the NativeAOT executables of <c>make publish</c>, which the
/// packages carry. The lab, the demo and the benchmarks run these, not the test build under the JIT,
/// so what they prove and measure is what operators install.
/// </summary>
public static class Shipped
{
    /// <summary>The daemon; USBPASSD_LAB_DAEMON names another executable (an older build, say).</summary>
    public static string Usbpassd =>
        Environment.GetEnvironmentVariable("USBPASSD_LAB_DAEMON") is { Length: > 0 } other ? other : Find("usbpassd");

    public static string Usbpassctl => Find("usbpassctl");

    private static string Find(string name)
    {
        string path = Path.Combine(Corpus.RepositoryRoot, "build", "publish", name, name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: run 'make publish' (the lab and the benchmarks run the shipped NativeAOT build)", path);
    }
}
