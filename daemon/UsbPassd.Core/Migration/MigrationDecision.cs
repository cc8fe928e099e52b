namespace UsbPassd.Migration;

/// <summary>
/// What a live migration does with one attached device (issue 16): the decision is per attachment,
/// because a licence key is that key while any stick of a model will do for a scanner.
/// </summary>
public enum MigrationDecision
{
    /// <summary>The domain may not leave while it holds this device (the default for a device with a serial).</summary>
    Refuse,

    /// <summary>The destination must hold a free device of the same vendor:product (and label), reserved there before the move.</summary>
    Equivalent,

    /// <summary>The domain migrates without it; it is released on the source.</summary>
    Drop,
}

/// <summary>The words on the wire and in the policy rules, and the default.</summary>
public static class MigrationDecisions
{
    public static string Name(this MigrationDecision d) => d switch
    {
        MigrationDecision.Refuse => "refuse",
        MigrationDecision.Equivalent => "equivalent",
        _ => "drop",
    };

    /// <summary>Null when <paramref name="word"/> is none of refuse, equivalent, drop.</summary>
    public static MigrationDecision? Parse(string? word) => word switch
    {
        "refuse" => MigrationDecision.Refuse,
        "equivalent" => MigrationDecision.Equivalent,
        "drop" => MigrationDecision.Drop,
        _ => null,
    };

    /// <summary>
    /// Without a word from the operator: a device known by its serial is that device (refuse); one
    /// without a serial is known only by its model and port, so any free one of the model will do.
    /// </summary>
    public static MigrationDecision Default(string? serial) =>
        string.IsNullOrEmpty(serial) ? MigrationDecision.Equivalent : MigrationDecision.Refuse;
}
