namespace UsbPassd.Placement;

/// <summary>Where Placement is and the token to show it.</summary>
public sealed record PlacementAccess(Uri Endpoint, string Token)
{
    // The token never reaches a log line through a record's ToString.
    public override string ToString() => $"PlacementAccess {{ Endpoint = {Endpoint} }}";
}
