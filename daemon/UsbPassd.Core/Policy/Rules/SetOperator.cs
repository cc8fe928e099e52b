namespace UsbPassd.Policy;

/// <summary>
/// How a rule's set of values is compared with the device's values (USBGuard's set operators).
/// Single-valued attributes (id, serial, name, via-port) are a set of one value, or of none when the
/// device has no such string.
/// </summary>
internal enum SetOperator
{
    /// <summary><c>one-of</c>: some device value matches some rule value.</summary>
    OneOf,

    /// <summary><c>all-of</c>: every rule value matches some device value.</summary>
    AllOf,

    /// <summary><c>none-of</c>: no device value matches any rule value (true for a device with no values).</summary>
    NoneOf,

    /// <summary><c>equals</c>, also a bare value or a set without operator: all-of, and every device value matches some rule value.</summary>
    Equal,

    /// <summary><c>equals-ordered</c>: as many values as the rule, matching pairwise in order.</summary>
    EqualOrdered,

    /// <summary><c>match-all</c>: the device has values and every one matches some rule value.</summary>
    MatchAll,
}
