using System.Text;
using UsbPassd.Devices;
using UsbPassd.Policy;

namespace UsbPassd.Fuzz;

/// <summary>
/// The policy's three sources (<see cref="DevicePolicy.Parse"/>): the rule language, the JSON block
/// list and the JSON allow list; the first input byte chooses which one the rest is. A policy that
/// loads is then judged against a few devices, and each rule's text (what <c>policy.show</c> prints)
/// must load again as the same rule. Refusal: <see cref="PolicyParseException"/>.
/// </summary>
public static class PolicyTarget
{
    private static readonly UsbDevice[] Devices =
    [
        Device("1-4.2", 0x0529, 0x0001, "HASP7", 0) with { Interfaces = [new UsbInterface(0, 0xff, 0x00, 0x00)] },
        Device("1-2", 0x046d, 0xc31c, null, 0) with { Interfaces = [new UsbInterface(0, 0x03, 0x01, 0x01)] },
        Device("2-1", 0x0781, 0x5581, "4C53", 0) with { Interfaces = [new UsbInterface(0, 0x08, 0x06, 0x50)] },
        Device("1-1", 0x05e3, 0x0608, null, UsbClass.Hub),
    ];

    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        string text = Encoding.UTF8.GetString(input.AsSpan(1));
        DevicePolicy policy;
        try
        {
            policy = (input[0] % 3) switch
            {
                0 => DevicePolicy.Parse(rules: text),
                1 => DevicePolicy.Parse(blockList: text),
                _ => DevicePolicy.Parse(allowList: text),
            };
        }
        catch (PolicyParseException)
        {
            return;
        }

        foreach (UsbDevice device in Devices)
        {
            _ = policy.DecidingRule(device).Description;
        }

        foreach (PolicyRule rule in policy.Rules)
        {
            DevicePolicy again = DevicePolicy.Parse(rules: rule.Text);
            if (again.Rules.Count != 1 || again.Rules[0].Text != rule.Text)
            {
                throw new InvalidOperationException($"the rule's text '{rule.Text}' does not load back as itself");
            }
        }
    }

    private static UsbDevice Device(string port, ushort vendor, ushort product, string? serial, byte cls) => new()
    {
        Port = UsbPortPath.Parse(port),
        Bus = UsbPortPath.Parse(port).Bus,
        DeviceNumber = 2,
        VendorId = vendor,
        ProductId = product,
        DeviceClass = cls,
        Serial = serial,
    };
}
