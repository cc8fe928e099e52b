namespace UsbPassd.Libvirt;

/// <summary>libvirt's virDomainState values that matter here.</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    ShuttingDown = 4,
    ShutOff = 5,
    Crashed = 6,
    PmSuspended = 7,
}

/// <summary>
/// Which virDomainDeviceModifyFlags an attach or detach uses (tech.md §2.2): a running domain
/// takes LIVE (plus CONFIG when it is persistent and the change should survive a restart); a
/// shut-off domain only CONFIG; a transient domain has no CONFIG.
/// </summary>
public static class AttachFlags
{
    public const uint Live = 1;
    public const uint Config = 2;

    /// <param name="mode"><c>auto</c> (what the domain's state allows, persistent where possible), <c>live</c> or <c>config</c>.</param>
    /// <returns>The flags, or the reason the request cannot be done.</returns>
    public static (uint Flags, string? Refusal) For(DomainState state, bool persistent, string mode, string domain)
    {
        bool active = state is DomainState.Running or DomainState.Paused or DomainState.Blocked or DomainState.PmSuspended;
        return (mode, active, persistent) switch
        {
            ("auto", true, true) => (Live | Config, null),
            ("auto", true, false) => (Live, null),
            ("auto", false, _) => (Config, null),
            ("live", true, _) => (Live, null),
            ("live", false, _) => (0, $"domain {domain} is not running: use mode config (it takes the device when it starts) or start it first"),
            ("config", _, true) => (Config, null),
            ("config", _, false) => (0, $"domain {domain} is transient: it has no configuration to change; use mode live"),
            _ => (0, $"mode must be auto, live or config, not '{mode}'"),
        };
    }
}
