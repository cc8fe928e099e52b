namespace UsbPassd.Testing;

/// <summary>
/// A fact that is skipped, with the reason shown, when something it needs is not on this machine
/// (xunit 2 has no dynamic skip; this is Dapper's FactSqlite pattern).
/// </summary>
public sealed class FactWhenFileExistsAttribute : Xunit.FactAttribute
{
    public FactWhenFileExistsAttribute(string path, string package)
    {
        if (!File.Exists(path))
        {
            Skip = $"{path} is not installed (Debian package {package})";
        }
    }
}
