using System.Security.Cryptography;
using System.Text;

namespace UsbPassd.Placement;

/// <summary>
/// The names UsbPassd writes into Placement, all pure functions of the device: provider UUIDs and
/// names, resource classes and traits. Placement's rules for custom names: <c>CUSTOM_</c> then
/// <c>[A-Z0-9_]</c>, at most 255 characters.
/// </summary>
public static class PlacementNames
{
    public const int MaxTraitLength = 255;
    public const int MaxProviderNameLength = 200;

    /// <summary>On every provider UsbPassd manages: "any USB device of UsbPassd's" for a scheduler, and ours for an operator.</summary>
    public const string MarkerTrait = "CUSTOM_USBPASSD_DEVICE";

    public const string SerialPrefix = "CUSTOM_USB_SERIAL_";
    public const string ClassPrefix = "CUSTOM_USB_CLASS_";
    public const string LabelPrefix = "CUSTOM_USB_LABEL_";

    /// <summary>A device's provider: uuid5(UsbPassd's namespace, root name + "\n" + dev_id). Host names and dev_ids hold no newline.</summary>
    public static Guid DeviceProvider(string rootName, string devId) =>
        NameBasedUuid.Create(NameBasedUuid.UsbPassdNamespace, rootName + "\n" + devId);

    /// <summary>The root provider's UUID when UsbPassd creates it (no Nova compute node of that name).</summary>
    public static Guid RootProvider(string rootName) =>
        NameBasedUuid.Create(NameBasedUuid.UsbPassdNamespace, "root\n" + rootName);

    /// <summary>
    /// The consumer that holds the source host's device while <paramref name="instance"/> live-migrates
    /// (Nova's migration UUID, for usbpassd's moves): uuid5(UsbPassd's namespace, "migration\n" + the
    /// instance UUID), so a daemon that restarted mid-migration finishes or reverts with nothing remembered.
    /// </summary>
    public static Guid MigrationConsumer(Guid instance) =>
        NameBasedUuid.Create(NameBasedUuid.UsbPassdNamespace, "migration\n" + instance.ToString("D"));

    /// <summary>
    /// For people (Placement keys on the UUID): <c>&lt;root&gt;_usb_&lt;vid&gt;_&lt;pid&gt;_&lt;12 hex of the UUID&gt;</c>,
    /// like Nova's <c>&lt;host&gt;_&lt;pci address&gt;</c>. The serial stays out of it (logs, hide_serials).
    /// </summary>
    public static string DeviceProviderName(string rootName, string vendorId, string productId, Guid uuid)
    {
        string tail = $"_usb_{vendorId.ToLowerInvariant()}_{productId.ToLowerInvariant()}_{uuid.ToString("N")[..12]}";
        return (rootName.Length + tail.Length > MaxProviderNameLength ? rootName[..(MaxProviderNameLength - tail.Length)] : rootName) + tail;
    }

    /// <summary>Whether a provider of the root's tree is one of ours, by its name.</summary>
    public static bool IsDeviceProviderName(string rootName, string name) =>
        name.StartsWith(rootName.Length + 5 > MaxProviderNameLength ? rootName : rootName + "_usb_", StringComparison.Ordinal);

    /// <summary><c>CUSTOM_USB_&lt;VID&gt;_&lt;PID&gt;</c>, upper-case hex: one class per model, as Nova's <c>CUSTOM_PCI_&lt;vendor&gt;_&lt;product&gt;</c>.</summary>
    public static string ResourceClass(string vendorId, string productId) =>
        $"CUSTOM_USB_{vendorId.ToUpperInvariant()}_{productId.ToUpperInvariant()}";

    /// <summary>
    /// An operator's trait as Nova normalises <c>[pci]device_spec</c> traits: upper case, every other
    /// character <c>_</c>, <c>CUSTOM_</c> added when missing. Two spellings of one name are meant to be one trait.
    /// </summary>
    public static string OperatorTrait(string name)
    {
        string upper = Clean(name.Trim());
        string trait = upper.StartsWith("CUSTOM_", StringComparison.Ordinal) ? upper : "CUSTOM_" + upper;
        return trait.Length > MaxTraitLength ? trait[..MaxTraitLength] : trait;
    }

    /// <summary>
    /// A trait that must name one value exactly (a serial, a label): the value as is when it is
    /// already <c>[A-Z0-9]+</c> and fits; otherwise cleaned and followed by <c>_H</c> and 10 hex of its
    /// SHA-256, so "ab-1" and "AB_1" (and "ab" and "AB") never share a trait. An exact value has no
    /// <c>_</c>, a hashed one always has: the two kinds cannot collide either.
    /// </summary>
    public static string ExactTrait(string prefix, string value)
    {
        if (value.Length > 0 && prefix.Length + value.Length <= MaxTraitLength && value.All(IsUpperOrDigit))
        {
            return prefix + value;
        }

        string hash = "_H" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..10];
        string cleaned = Clean(value);
        int room = MaxTraitLength - prefix.Length - hash.Length;
        return prefix + (cleaned.Length > room ? cleaned[..room] : cleaned) + hash;
    }

    /// <summary>The serial's trait, or null when the device has no serial (or an empty one).</summary>
    public static string? SerialTrait(string? serial) =>
        string.IsNullOrEmpty(serial) ? null : ExactTrait(SerialPrefix, serial);

    /// <summary><c>CUSTOM_USB_CLASS_08</c> for an interface class byte given as hex.</summary>
    public static string ClassTrait(string classHex) => ClassPrefix + Clean(classHex);

    public static string LabelTrait(string label) => ExactTrait(LabelPrefix, label);

    /// <summary>Whether Placement accepts <paramref name="name"/> as a custom trait or resource class.</summary>
    public static bool IsValidCustomName(string name) =>
        name.Length is > 7 and <= MaxTraitLength && name.StartsWith("CUSTOM_", StringComparison.Ordinal) && name.All(c => IsUpperOrDigit(c) || c == '_');

    private static bool IsUpperOrDigit(char c) => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9');

    private static string Clean(string value) =>
        string.Create(value.Length, value, static (span, v) =>
        {
            for (int i = 0; i < v.Length; i++)
            {
                char c = char.ToUpperInvariant(v[i]);
                span[i] = IsUpperOrDigit(c) ? c : '_';
            }
        });
}
