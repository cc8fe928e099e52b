namespace UsbPassd.Policy;

/// <summary>The device attributes a rule can test (USBGuard's names).</summary>
internal enum RuleAttribute
{
    /// <summary><c>id VVVV:PPPP</c>: vendor and product.</summary>
    Id,

    /// <summary><c>serial "S"</c>: the serial string descriptor; a device without one has no value.</summary>
    Serial,

    /// <summary><c>name "N"</c>: the product string descriptor as the device reports it (not usb.ids).</summary>
    Name,

    /// <summary><c>via-port "1-4.2"</c>: the port the device is plugged into (its port_id).</summary>
    ViaPort,

    /// <summary><c>with-interface CC:SS:PP</c>: one value per interface of the active configuration.</summary>
    WithInterface,
}
