using UsbPassd.Testing.Recordings;

namespace UsbPassd.Testing;

/// <summary>
/// Every distinct raw descriptor blob of the corpus (the <c>descriptors</c> attribute of the umockdev
/// recordings, and the raw blob files): real firmware bytes, for tests that cut and damage them.
/// </summary>
public static class CorpusDescriptors
{
    private static readonly Lazy<IReadOnlyList<byte[]>> All = new(Load);

    public static IReadOnlyList<byte[]> Blobs => All.Value;

    private static List<byte[]> Load()
    {
        IEnumerable<byte[]> blobs = CorpusFacts.Recordings.SelectMany(r =>
        {
            string file = Path.Combine(Corpus.Raw, r.File);
            return r.Format switch
            {
                "umockdev" => UmockdevRecording.Parse(File.ReadAllBytes(file))
                    .Select(d => d.Attributes.GetValueOrDefault("descriptors"))
                    .OfType<byte[]>(),
                "descriptors" => [File.ReadAllBytes(file)],
                _ => [],
            };
        });
        return [.. blobs.Where(b => b.Length > 0).DistinctBy(Convert.ToHexString)];
    }
}
