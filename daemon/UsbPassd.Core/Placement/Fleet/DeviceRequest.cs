using System.Text;

namespace UsbPassd.Placement.Fleet;

/// <summary>
/// What a scheduler asks for: a model (a resource class, or vendor:product), and traits the device
/// provider itself must have (this exact serial, the operator's labels, any other trait), optionally on
/// one host. Pure: the names are <see cref="PlacementNames"/>'s, the query string Placement's.
/// </summary>
public sealed record DeviceRequest
{
    /// <summary><c>CUSTOM_USB_VVVV_PPPP</c>; null when only the serial or labels say which device (then found from the providers that have them).</summary>
    public string? ResourceClass { get; init; }

    public string? Serial { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Other traits, as Placement names them (<c>CUSTOM_USB_CLASS_08</c>, an operator's <c>CUSTOM_LICENCE_KEY</c>).</summary>
    public IReadOnlyList<string> Traits { get; init; } = [];

    /// <summary>The root provider's name (the host) the device must be under; null for any host.</summary>
    public string? Host { get; init; }

    /// <summary>The class of <c>VVVV:PPPP</c> (hex), or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static string? ClassOf(string vidPid, out string? problem)
    {
        string[] parts = vidPid.Split(':');
        if (parts is [string v, string p] && IsHex4(v) && IsHex4(p))
        {
            problem = null;
            return PlacementNames.ResourceClass(v, p);
        }

        problem = $"'{vidPid}' is not VENDOR:PRODUCT in hex (as lsusb shows it, e.g. 0781:5567)";
        return null;
    }

    /// <summary>Every trait the device provider must have: ours (the marker), the serial's, the labels', the others.</summary>
    public IReadOnlyList<string> RequiredTraits()
    {
        var traits = new List<string> { PlacementNames.MarkerTrait };
        if (PlacementNames.SerialTrait(Serial) is string serial)
        {
            traits.Add(serial);
        }

        traits.AddRange(Labels.Select(PlacementNames.LabelTrait));
        traits.AddRange(Traits);
        return [.. traits.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Null when Placement can be asked, else what to fix.</summary>
    public string? Problem()
    {
        if (ResourceClass is null && Serial is null && Labels.Count == 0 && Traits.Count == 0)
        {
            return "say which device: --serial, --class, --vid-pid, --label or --trait";
        }

        if (ResourceClass is not null && !(ResourceClass.StartsWith("CUSTOM_USB_", StringComparison.Ordinal) && PlacementNames.IsValidCustomName(ResourceClass)))
        {
            return $"'{ResourceClass}' is not a USB device class as usbpassd names them (CUSTOM_USB_VVVV_PPPP, upper-case hex)";
        }

        return Traits.FirstOrDefault(t => !IsTraitName(t)) is string bad
            ? $"'{bad}' is not a trait name (upper case, digits and '_'; custom ones start with CUSTOM_)"
            : null;
    }

    /// <summary>
    /// The allocation_candidates query for one class: one numbered group (<c>resources1</c>,
    /// <c>required1</c>, <c>in_tree1</c>), so that every trait must be on the device provider itself,
    /// not anywhere in the host's tree as an unnumbered group would allow.
    /// </summary>
    public string CandidatesQuery(string resourceClass, Guid? tree, int? limit)
    {
        var query = new StringBuilder($"resources1={resourceClass}:1&required1={string.Join(',', RequiredTraits())}");
        if (tree is Guid root)
        {
            query.Append("&in_tree1=").Append(root);
        }

        if (limit is int n)
        {
            query.Append("&limit=").Append(n);
        }

        return query.ToString();
    }

    /// <summary>The request in the words of the command line, for messages.</summary>
    public override string ToString()
    {
        var words = new List<string>();
        if (ResourceClass is not null)
        {
            words.Add(ResourceClass);
        }

        if (Serial is not null)
        {
            words.Add($"serial {Serial}");
        }

        words.AddRange(Labels.Select(l => $"label \"{l}\""));
        words.AddRange(Traits);
        if (Host is not null)
        {
            words.Add($"on host {Host}");
        }

        return string.Join(", ", words);
    }

    private static bool IsHex4(string s) => s.Length == 4 && s.All(char.IsAsciiHexDigit);

    private static bool IsTraitName(string t) => t.Length is > 0 and <= PlacementNames.MaxTraitLength && t.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_');
}
