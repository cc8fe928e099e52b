using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace UsbPassd.Devices;

/// <summary>
/// With <c>hide_serials</c>, log text shows serial numbers only as a short hash: enough to tell two
/// devices apart in a log, not enough to read a licence dongle's serial from it. The registry and
/// the RPC answers keep them whole (they are access-controlled; logs travel further).
/// </summary>
public sealed partial class LogPrivacy(bool hideSerials)
{
    public static readonly LogPrivacy Off = new(false);

    public bool HidesSerials { get; } = hideSerials;

    /// <summary>Masks dev_ids (<c>vvvv:pppp:SERIAL</c>), <c>serial "…"</c> in rule text and <c>ID_SERIAL…=</c> in uevents.</summary>
    public string Scrub(string text) => !HidesSerials ? text : Secrets().Replace(text, m => m.Groups["keep"].Value + Hash(m.Groups["secret"].Value) + m.Groups["end"].Value);

    private static string Hash(string serial) => "#" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(serial)))[..8];

    [GeneratedRegex("""(?<keep>\b[0-9a-f]{4}:[0-9a-f]{4}:)(?<secret>[^\s'",)]+)(?<end>)|(?<keep>serial ")(?<secret>(?:[^"\\]|\\.)*)(?<end>")|(?<keep>ID_SERIAL(?:_SHORT)?=)(?<secret>[^\s\x00]+)(?<end>)""")]
    private static partial Regex Secrets();
}
