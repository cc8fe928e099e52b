namespace UsbPassd.Policy;

/// <summary>What a rule does with the devices it matches.</summary>
public enum PolicyTarget
{
    Allow,
    Block,
}
