using UsbPassd.Devices;
using UsbPassd.Migration;

namespace UsbPassd.Policy;

/// <summary>
/// Which host USB devices may be passed to a VM: the operator's rules, then the built-in host safety
/// checks. Pure: the host's state comes in as <see cref="HostFacts"/> (read by <see cref="HostFactsReader"/>).
/// </summary>
/// <remarks>
/// <para><b>Use.</b></para>
/// <code>
/// DevicePolicy policy = DevicePolicy.Parse(rules: File.ReadAllText("/etc/usbpassd/policy.rules"),
///                                          blockList: "[{\"vendor_id\": \"1d6b\", \"product_id\": \"0002\"}]");
/// var reader = new HostFactsReader("/sys", "/proc");
/// PolicyDecision decision = policy.Evaluate(device, reader.Read(device));
/// if (!decision.Allowed)
/// {
///     Console.WriteLine(decision.Reason);          // "refused: partition sdb1 is mounted on /mnt/data (mounted-storage); …"
/// }
/// string decidedBy = decision.Rule.Description;    // store with the device: origin, text, label
/// </code>
/// A parse error is a <see cref="PolicyParseException"/> that names line, column and what was expected.
///
/// <para><b>Rule lines</b> (modelled on USBGuard's <c>rules.conf</c>; one rule per line, <c>#</c> starts a comment):</para>
/// <code>
/// allow|block [id VVVV:PPPP] [serial "S"] [name "N"] [via-port "B-P.P"] [with-interface CC:SS:PP]
///             [label "why"] [override CHECK | override { CHECK ... }] [migration refuse|equivalent|drop]
/// default allow|block [label "why"] [migration refuse|equivalent|drop]
/// </code>
/// <list type="bullet">
/// <item><c>id</c> is vendor:product in hex; <c>0529:*</c> and <c>*:*</c> are wildcards. <c>with-interface</c> is
/// class:subclass:protocol of an interface, with the same wildcards (<c>08:*:*</c>, <c>03:01:*</c>).</item>
/// <item><c>serial</c> and <c>name</c> (the product string) compare exactly; a device without the string never has
/// the value. <c>via-port</c> is the port_id. Strings take <c>\"</c>, <c>\\</c> and <c>\xHH</c> (a raw byte).</item>
/// <item>Any attribute takes a set: <c>ATTR [OPERATOR] { V1 V2 … }</c>, OPERATOR one of <c>one-of</c> (some device value
/// matches some listed one), <c>all-of</c> (every listed value is matched), <c>none-of</c>, <c>equals</c> (all-of, and
/// every device value is listed), <c>equals-ordered</c>, <c>match-all</c> (every device value is listed). A bare value
/// or a set without operator means <c>equals</c>, as in USBGuard: <c>with-interface 08:*:*</c> is a device whose
/// interfaces are all mass storage; <c>with-interface one-of { 08:*:* }</c> is any device with one.</item>
/// <item>The conditions of a rule must all hold; a rule without any matches every device. An attribute, label,
/// override or migration appears at most once in a rule, in any order after the target.</item>
/// <item><c>label "why"</c> is the operator's reason, repeated in every decision the rule makes.</item>
/// <item><c>migration</c>, on an allow rule or <c>default allow</c> only, is what a live migration does with a device
/// the rule allowed (issue 16; <see cref="MigrationDefault"/>): <c>refuse</c> (the VM may not migrate while it holds
/// it), <c>equivalent</c> (the destination must hold a free device of the same vendor:product and label), <c>drop</c>
/// (it migrates without it). Without it, <see cref="MigrationDecisions.Default"/>: refuse for a device with a serial,
/// else equivalent. E.g. <c>allow id 0529:0001 label "ERP licence" migration refuse</c>, <c>allow with-interface
/// one-of { 0b:*:* } migration equivalent</c>.</item>
/// </list>
///
/// <para><b>JSON lists</b> (the seed's <c>usb_passthrough_blacklist</c>): <c>[{"vendor_id": "1d6b", "product_id":
/// "0002"}]</c>, with optional <c>"serial"</c> and <c>"port_id"</c>, and in the allow list <c>"migration": "refuse"</c>;
/// each entry becomes a rule (<c>block id 1d6b:0002</c>) whose origin is its array index.</para>
///
/// <para><b>Order.</b> Rules are tried in this order and the first that matches decides:</para>
/// <list type="number">
/// <item>the block list: a device named there never passes, whatever else is written;</item>
/// <item>the allow list: entries name concrete devices, so they come before the general rules;</item>
/// <item>the rule lines, top to bottom;</item>
/// <item>the default: the <c>default</c> line if there is one (only one is allowed, anywhere in the text); otherwise
/// <c>default block</c> when an allow list is given (an allow list means "only these"), else <c>default allow</c>
/// (every device that passes host safety, as before policies existed).</item>
/// </list>
///
/// <para><b>Host safety</b> applies after an allow (a blocked device is blocked whatever it is). Each check refuses
/// the device unless the rule that allowed it names the check in <c>override</c>; the checks, in the order they run,
/// are <see cref="HostSafety.Checks"/> (<c>root-hub</c>, <c>hub</c>, <c>mounted-storage</c>…), each in a file of
/// <c>Safety/</c> that says what it refuses for. Only allow rules take
/// <c>override</c>, and the default never does: passing a mounted disk must be written down for that disk,
/// e.g. <c>allow id 0781:5581 serial "4C53" override mounted-storage label "scratch disk, host copy is disposable"</c>.</para>
/// </remarks>
public sealed class DevicePolicy
{
    private DevicePolicy(IReadOnlyList<PolicyRule> rules, PolicyRule defaultRule)
    {
        Rules = rules;
        DefaultRule = defaultRule;
    }

    /// <summary>No rules: every device that passes host safety is allowed.</summary>
    public static DevicePolicy Default { get; } = Parse();

    /// <summary>The rules in the order they are tried (block list, allow list, rule lines), without the default.</summary>
    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>The <c>default</c> line, or the implicit default.</summary>
    public PolicyRule DefaultRule { get; }

    /// <summary>Builds a policy from its three texts; any may be null (absent).</summary>
    /// <param name="rules">Rule lines.</param>
    /// <param name="blockList">A JSON block list.</param>
    /// <param name="allowList">A JSON allow list; when given, the implicit default is block.</param>
    /// <exception cref="PolicyParseException">A text cannot be parsed; the message says where and why.</exception>
    public static DevicePolicy Parse(string? rules = null, string? blockList = null, string? allowList = null)
    {
        List<PolicyRule> all = JsonRuleList.Parse(blockList, RuleSource.BlockList);
        all.AddRange(JsonRuleList.Parse(allowList, RuleSource.AllowList));
        (List<PolicyRule> lines, PolicyRule? defaultLine) = RuleParser.Parse(rules ?? string.Empty);
        all.AddRange(lines);
        return new DevicePolicy(all, defaultLine ?? ImplicitDefault(allowListGiven: allowList is not null));
    }

    /// <summary>The first rule that matches the device, else the default: the rule that decides it.</summary>
    public PolicyRule DecidingRule(UsbDevice device)
    {
        foreach (PolicyRule rule in Rules)
        {
            if (rule.Matches(device))
            {
                return rule;
            }
        }

        return DefaultRule;
    }

    /// <summary>
    /// What the rules say a live migration does with the device: the <c>migration</c> of the allow rule (or
    /// default) that decides it; null when that rule does not say, or blocks the device (a block rule never says).
    /// Host safety does not enter: it judges whether the device may be attached, not what happens once it is.
    /// Without a word here, <see cref="MigrationDecisions.Default"/> applies.
    /// </summary>
    public MigrationDecision? MigrationDefault(UsbDevice device) => DecidingRule(device).Migration;

    public PolicyDecision Evaluate(UsbDevice device, HostFacts facts)
    {
        PolicyRule rule = DecidingRule(device);
        if (rule.Target == PolicyTarget.Block)
        {
            return new PolicyDecision(PolicyVerdict.Blocked, rule, [], []);
        }

        List<SafetyRefusal> refusals = HostSafety.Check(device, facts);
        SafetyRefusal[] overridden = [.. refusals.Where(r => rule.Overrides.Contains(r.Check))];
        refusals.RemoveAll(r => rule.Overrides.Contains(r.Check));
        return new PolicyDecision(refusals.Count == 0 ? PolicyVerdict.Allowed : PolicyVerdict.Refused, rule, refusals, overridden);
    }

    /// <summary>
    /// Every rule in evaluation order as one rule text, each line commented with its origin, the
    /// default written out: text that parses to a policy that decides the same (for <c>policy show</c>).
    /// </summary>
    public override string ToString() =>
        string.Join('\n', Rules.Append(DefaultRule).Select(r => $"{r} # {r.Origin}")) + "\n";

    private static PolicyRule ImplicitDefault(bool allowListGiven) => new()
    {
        Target = allowListGiven ? PolicyTarget.Block : PolicyTarget.Allow,
        IsDefault = true,
        Origin = new RuleOrigin(RuleSource.Implicit, 0),
        Label = allowListGiven ? "an allow list is given: what it does not name is blocked" : null,
    };
}
