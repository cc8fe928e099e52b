namespace UsbPassd.Registry;

// Result rows of aggregate queries, mapped by column name (each query says AS Name). They were value
// tuples, which Dapper.AOT binds by position or name only when told (DAP012); a named class leaves no doubt.

/// <summary>One line of <c>GROUP BY status</c>.</summary>
internal sealed class StatusCount
{
    public string Status { get; set; } = "";
    public int Count { get; set; }
}

/// <summary>The newest deleted row of a dev_id.</summary>
internal sealed class LastDeleted
{
    public string DevId { get; set; } = "";
    public long Id { get; set; }
}
