using System.Collections.Immutable;
using UsbPassd.Registry;

namespace UsbPassd.Placement;

/// <summary>From a registry row to what Placement should say of the device (pure).</summary>
/// <param name="rootName">The root provider's name: part of every device provider's UUID.</param>
/// <param name="labelOf">The label of the policy rule a row names (<c>policy_rule</c>), or null: the operator's labels from the policy.</param>
/// <param name="operatorTraits">The operator's own traits per dev_id (<c>placement.device_traits</c>), already normalised.</param>
public sealed class DeviceOffers(string rootName, Func<string, string?> labelOf, IReadOnlyDictionary<string, IReadOnlyList<string>> operatorTraits)
{
    public string Root => rootName;

    /// <summary>The offer for a live or deleted row; null when the row can never have a provider (no dev_id, no ids, a hub, another host's).</summary>
    public DeviceOffer? For(DeviceRow row)
    {
        DeviceFacts facts = DeviceFacts.Parse(row.ExtraInfo);
        if (row.DevId is not string devId || row.VendorId is not string vid || row.ProductId is not string pid
            || facts.IsHub || row.ComputeNodeId != RegistryDatabase.LocalComputeNodeId)
        {
            return null;
        }

        Guid uuid = PlacementNames.DeviceProvider(rootName, devId);
        bool live = row.Deleted == 0 && row.Status != DeviceStatus.Deleted;
        bool offered = live && row.Present != 0 && row.Eligible != 0 && row.Ambiguous == 0
            && row.Status is not (DeviceStatus.Blocked or DeviceStatus.Ambiguous or DeviceStatus.External or DeviceStatus.Failed);
        string? owner = !live ? null
            : row.InstanceUuid ?? (row.Status is DeviceStatus.Available ? null : row.Status); // external and the like: held, by no one of ours
        return new DeviceOffer(
            devId,
            uuid,
            PlacementNames.DeviceProviderName(rootName, vid, pid, uuid),
            PlacementNames.ResourceClass(vid, pid),
            Traits(row, facts),
            offered,
            owner);
    }

    /// <summary>The marker, the serial, the interface classes, the deciding rule's label and the operator's own.</summary>
    public ImmutableSortedSet<string> Traits(DeviceRow row, DeviceFacts facts)
    {
        ImmutableSortedSet<string>.Builder traits = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        traits.Add(PlacementNames.MarkerTrait);
        if (PlacementNames.SerialTrait(row.Serial) is string serial)
        {
            traits.Add(serial);
        }

        foreach (DeviceFacts.InterfaceFacts i in facts.Interfaces)
        {
            if (i.Class is { Length: > 0 } c)
            {
                traits.Add(PlacementNames.ClassTrait(c));
            }
        }

        if (facts.PolicyRule is string rule && labelOf(rule) is { Length: > 0 } label)
        {
            traits.Add(PlacementNames.LabelTrait(label));
        }

        if (row.DevId is string devId && operatorTraits.TryGetValue(devId, out IReadOnlyList<string>? own))
        {
            traits.UnionWith(own);
        }

        return traits.ToImmutable();
    }
}
