using UsbPassd.Registry;

namespace UsbPassd.Migration;

/// <summary>
/// The destination's choice for <see cref="MigrationDecision.Equivalent"/>: a present, eligible,
/// unambiguous device nobody holds, of the same vendor:product and, when the source's device had one,
/// the same label. Pure: the registry's rows in, a row or the sentence libvirt shows out.
/// </summary>
public static class EquivalentDevice
{
    /// <param name="labelOf">The label of the policy rule that allowed a row, if any.</param>
    public static (DeviceRow? Chosen, string? Refusal) Choose(string vendorId, string productId, string? label, IEnumerable<DeviceRow> destination, Func<DeviceRow, string?> labelOf, string instance)
    {
        DeviceRow[] model = [.. destination.Where(r => r.Deleted == 0 && r.Present != 0 && r.VendorId == vendorId && r.ProductId == productId)];
        DeviceRow[] fitting = [.. model.Where(r => label is null || labelOf(r) == label)];
        DeviceRow? chosen = fitting
            .Where(r => r.Eligible != 0 && r.Ambiguous == 0 && !r.IsOwned)
            .OrderBy(r => r.PortId, StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen is not null)
        {
            return (chosen, null);
        }

        string what = $"{vendorId}:{productId}{(label is null ? "" : $" labelled '{label}'")}";
        int held = fitting.Count(r => r.IsOwned);
        string why = fitting.Length == 0
            ? (model.Length == 0 ? "none is plugged in here" : $"{model.Length} plugged in here, none labelled '{label}'")
            : held == fitting.Length ? $"all {held} here are held by other instances" : $"{fitting.Length - held} here may not be passed (policy, or ambiguous)";
        return (null, $"no free {what} for instance {instance} (migration: equivalent): {why}; free one or migrate elsewhere");
    }
}
