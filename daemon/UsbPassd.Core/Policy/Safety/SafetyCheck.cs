using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>
/// One built-in host safety check: something that would go wrong on the host if a device left it.
/// Every check applies to every device an allow rule lets through, unless that rule names the check
/// in <c>override</c>. A check says the word that names it there and the host facts it reads; the
/// checks there are, and their order, are <see cref="HostSafety.Checks"/>.
/// </summary>
/// <param name="name">The word an allow rule overrides the check by (<c>override mounted-storage</c>), shown after every refusal.</param>
/// <param name="needs">The host facts the check reads beyond the device itself; <see cref="HostFactsReader"/> reads no others.</param>
public abstract class SafetyCheck(string name, HostFact needs)
{
    public string Name { get; } = name;

    public HostFact Needs { get; } = needs;

    /// <summary>The registry's short reason for a device the check refuses: the name in snake case (<c>mounted_storage</c>).</summary>
    public string RegistryReason => Name.Replace('-', '_');

    /// <summary>Why the device must stay on the host, one sentence per thing in the way; none when it may go.</summary>
    public abstract IEnumerable<string> Refuse(UsbDevice device, HostFacts facts);

    public override string ToString() => Name;
}
