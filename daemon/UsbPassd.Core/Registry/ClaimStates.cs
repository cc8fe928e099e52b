namespace UsbPassd.Registry;

/// <summary>The words <c>assignments.state</c>, <c>usb_devices.status</c> and the history use for each <see cref="ClaimState"/>.</summary>
public static class ClaimStates
{
    public static string Name(this ClaimState state) => state switch
    {
        ClaimState.Reserved => DeviceStatus.Reserved,
        ClaimState.Attaching => DeviceStatus.Attaching,
        ClaimState.Attached => DeviceStatus.Attached,
        ClaimState.Detaching => DeviceStatus.Detaching,
        ClaimState.External => DeviceStatus.External,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <exception cref="RegistryException">A word no version of usbpassd writes.</exception>
    public static ClaimState Parse(string name) => name switch
    {
        DeviceStatus.Reserved => ClaimState.Reserved,
        DeviceStatus.Attaching => ClaimState.Attaching,
        DeviceStatus.Attached => ClaimState.Attached,
        DeviceStatus.Detaching => ClaimState.Detaching,
        DeviceStatus.External => ClaimState.External,
        _ => throw new RegistryException($"assignments.state '{name}' is no claim state"),
    };
}
