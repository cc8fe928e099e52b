using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using UsbPassd.Migration;
using UsbPassd.Testing;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Migration;

/// <summary>
/// The shipped hook as a live migration's destination runs it (<c>DOMAIN migrate begin -</c>, the
/// whole incoming XML on stdin, a minimal environment), and what the tests read of a domain's XML.
/// </summary>
internal static class MigrationHook
{
    /// <summary>A UUID this host has no domain of: the incoming domain.</summary>
    public static string NewUuid() => Guid.NewGuid().ToString();

    public static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    public static string Request(string method, string parameters) => $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""";

    public static string Inactive(string domain) => LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {domain}");

    /// <summary>Our metadata's device elements in a domain's XML.</summary>
    public static IReadOnlyList<XElement> Entries(string xml) =>
        [.. XDocument.Parse(xml).Root!.Element("metadata")?.Elements(XName.Get("devices", MigrationMetadata.Namespace)).Elements(XName.Get("device", MigrationMetadata.Namespace)) ?? []];

    /// <summary>The domain's XML as it would arrive from another host: the same domain under <paramref name="uuid"/>.</summary>
    public static string Incoming(string domain, string uuid)
    {
        string xml = Inactive(domain);
        string own = (string)XDocument.Parse(xml).Root!.Element("uuid")!;
        return xml.Replace(own, uuid, StringComparison.Ordinal);
    }

    /// <summary>The hostdev of that alias in a domain's XML.</summary>
    public static XElement Hostdev(string xml, string alias) =>
        XDocument.Parse(xml).Root!.Element("devices")!.Elements("hostdev").Single(h => (string?)h.Element("alias")?.Attribute("name") == alias);

    public static (int Exit, string Stdout, string Stderr) Run(string socket, string folder, string domain, string xml, string operation = "migrate")
    {
        string conf = Path.Combine(folder, "hook.conf");
        File.WriteAllText(conf, $"socket={socket}\n");
        var psi = new ProcessStartInfo(Path.Combine(Corpus.RepositoryRoot, "packaging", "libvirt", "usbpassd"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in (string[])[domain, operation, "begin", "-"])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["USBPASSD_HOOK_CONF"] = conf;
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        p.StandardInput.Write(xml);
        p.StandardInput.Close();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result.TrimEnd('\n'));
    }
}
