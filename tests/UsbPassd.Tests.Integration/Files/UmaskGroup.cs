namespace UsbPassd.Tests.Integration.Files;

/// <summary>Tests that change the process's umask: it is process-wide, so they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UmaskGroup
{
    public const string Name = "the process's umask";
}
