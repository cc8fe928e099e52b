namespace UsbPassd.Testing.Lab;

/// <summary>
/// Progress that is reported at once on the caller's thread (Progress&lt;T&gt; posts to the thread
/// pool, so a message could outlive the test that should show it).
/// </summary>
public sealed class LabProgress(Action<string> report) : IProgress<string>
{
    public void Report(string value) => report(value);
}
