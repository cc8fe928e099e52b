namespace UsbPassd.Policy;

/// <summary>Where a rule was written.</summary>
public enum RuleSource
{
    /// <summary>A line of the rule text.</summary>
    Rules,

    /// <summary>An entry of the JSON block list (the seed's <c>usb_passthrough_blacklist</c>).</summary>
    BlockList,

    /// <summary>An entry of the JSON allow list.</summary>
    AllowList,

    /// <summary>No source: the default that applies when the rule text has no <c>default</c> line.</summary>
    Implicit,
}
