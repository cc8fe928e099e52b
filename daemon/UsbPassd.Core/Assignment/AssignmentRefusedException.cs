using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>
/// An assignment operation refused or failed; the message is the sentence for the person who asked
/// (what happened and what to do). <see cref="Owner"/> is the claim in the way, when another holds the device.
/// </summary>
public sealed class AssignmentRefusedException : Exception
{
    public AssignmentRefusedException(RefusalReason reason, string message, Claim? owner = null) : base(message)
    {
        Reason = reason;
        Owner = owner;
    }

    public AssignmentRefusedException() : this(RefusalReason.InvalidRequest, "refused") { }

    public AssignmentRefusedException(string message) : this(RefusalReason.InvalidRequest, message) { }

    public AssignmentRefusedException(string message, Exception innerException) : base(message, innerException) { }

    public RefusalReason Reason { get; }

    public Claim? Owner { get; }
}
