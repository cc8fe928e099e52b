namespace UsbPassd.Registry;

/// <summary>
/// Who changed ownership, for the history: an RPC caller by its peer credentials
/// (<c>uid 0 pid 4242 (nova-compute)</c>) or usbpassd itself (replug, reconcile), and the policy
/// rule that allowed the device at the time.
/// </summary>
public sealed record Actor(string Who, string? Rule = null)
{
    public static readonly Actor Daemon = new("usbpassd");

    public Actor WithRule(string? rule) => this with { Rule = rule };
}
