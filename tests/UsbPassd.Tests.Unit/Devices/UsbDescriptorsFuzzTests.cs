using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Devices;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Unit.Devices;

/// <summary>
/// The descriptors are whatever a device's firmware sends: the parser answers true or false for any
/// bytes and never throws (one device with bLength 0xff in its device descriptor stopped the daemon).
/// </summary>
public class UsbDescriptorsFuzzTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(2000);

    [Fact]
    public void The_corpus_has_descriptors_to_damage() =>
        Assert.True(CorpusDescriptors.Blobs.Count >= 20, $"only {CorpusDescriptors.Blobs.Count} descriptor blobs in the corpus");

    [Fact]
    public void Every_truncation_of_a_real_blob_parses_or_is_refused()
    {
        foreach (byte[] blob in CorpusDescriptors.Blobs)
        {
            for (int cut = 0; cut <= blob.Length; cut++)
            {
                Parse(blob[..cut]);
                byte[] lying = blob[..cut];
                if (cut > 0)
                {
                    lying[0] = 0xff; // bLength far past the data
                    Parse(lying);
                }
            }
        }
    }

    [Fact]
    public void Random_bytes_parse_or_are_refused() =>
        Check.One(Many, Prop.ForAll(DescriptorGen.AnyBytes.ToArbitrary(), Parse));

    [Fact]
    public void Descriptor_soup_with_lying_lengths_parses_or_is_refused() =>
        Check.One(Many, Prop.ForAll(DescriptorGen.Soup.ToArbitrary(), Parse));

    [Fact]
    public void Damaged_real_blobs_parse_or_are_refused() =>
        Check.One(Many, Prop.ForAll(DescriptorGen.DamagedCorpusBlob.ToArbitrary(), Parse));

    private static bool Parse(byte[] blob)
    {
        bool device = UsbDescriptors.TryParseDevice(blob, out _);
        foreach (int? active in (int?[])[null, 0, 1, 2, 255])
        {
            bool parsed = UsbDescriptors.TryParseInterfaces(blob, active, out UsbInterface[] interfaces);
            Assert.Equal(device, parsed);
            Assert.True(parsed || interfaces.Length == 0);
        }

        return true;
    }
}

/// <summary>Descriptor bytes as a careless or hostile device writes them.</summary>
internal static class DescriptorGen
{
    private static readonly Gen<byte> Byte = ArbMap.Default.GeneratorFor<byte>();

    // Lengths that are too short, exact, one past or far past what follows.
    private static readonly Gen<byte> LengthByte = Gen.OneOf(Gen.Elements<byte>(0, 1, 2, 8, 9, 17, 18, 19, 0x7f, 0xff), Byte);

    // Device, configuration, string, interface, endpoint, class-specific, anything.
    private static readonly Gen<byte> TypeByte = Gen.OneOf(Gen.Elements<byte>(1, 2, 3, 4, 5, 0x21, 0x24), Byte);

    public static Gen<byte[]> AnyBytes { get; } = Gen.ArrayOf(Byte);

    /// <summary>One descriptor whose length byte may disagree with its body.</summary>
    private static Gen<byte[]> Piece { get; } =
        from length in LengthByte
        from type in TypeByte
        from size in Gen.Frequency((9, Gen.Choose(0, 20)), (1, Gen.Choose(0, 300)))
        from body in Gen.ArrayOf(Byte, size)
        select (byte[])[length, type, .. body];

    /// <summary>A device descriptor (of any bLength) followed by pieces, so the walk goes deep.</summary>
    public static Gen<byte[]> Soup { get; } =
        from length in LengthByte
        from header in Gen.ArrayOf(Byte, 16)
        from pieces in Gen.ListOf(Piece)
        select (byte[])[length, 1, .. header, .. pieces.SelectMany(p => p)];

    /// <summary>A real blob with some length fields (or any bytes) overwritten, then cut anywhere.</summary>
    public static Gen<byte[]> DamagedCorpusBlob { get; } =
        from blob in Gen.Elements(CorpusDescriptors.Blobs.ToArray())
        from pokes in Gen.ListOf(Poke(blob))
        from cut in Gen.Choose(0, blob.Length)
        select Damage(blob, pokes, cut);

    // Where a descriptor starts: its bLength, and for a configuration its wTotalLength (bytes 2-3).
    private static Gen<(int At, byte Value)> Poke(byte[] blob)
    {
        int[] starts = [0, .. Starts(blob).SelectMany(s => new[] { s, s + 2, s + 3 }).Where(i => i < blob.Length)];
        return from at in Gen.OneOf(Gen.Elements(starts), Gen.Choose(0, blob.Length - 1))
               from value in LengthByte
               select (at, value);
    }

    private static IEnumerable<int> Starts(byte[] blob)
    {
        for (int i = 0; i < blob.Length && blob[i] > 0; i += blob[i])
        {
            yield return i;
        }
    }

    private static byte[] Damage(byte[] blob, IEnumerable<(int At, byte Value)> pokes, int cut)
    {
        byte[] copy = [.. blob];
        foreach ((int at, byte value) in pokes)
        {
            copy[at] = value;
        }

        return copy[..cut];
    }
}
