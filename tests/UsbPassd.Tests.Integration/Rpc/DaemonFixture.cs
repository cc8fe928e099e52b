using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>One usbpassd process (a recorded host, no uevents, no libvirt) and its socket, for wire tests.</summary>
public class DaemonFixture : IAsyncLifetime
{
    private readonly string _libvirtUri;

    public DaemonFixture() : this("none") { }

    private readonly string[] _extra = [];

    protected DaemonFixture(string libvirtUri, params string[] extraArguments)
        : this(libvirtUri, CorpusRecording.Materialize(
            Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__cameras__canon-powershot-sx200.umockdev"), "umockdev"), "none", extraArguments)
    {
    }

    /// <param name="tree">The host's /sys (deleted with the fixture).</param>
    /// <param name="uevents">The --uevents source: none, or replay:FILE.</param>
    protected DaemonFixture(string libvirtUri, SysfsTree tree, string uevents, params string[] extraArguments)
    {
        _libvirtUri = libvirtUri;
        _tree = tree;
        _uevents = uevents;
        _extra = extraArguments;
    }

    /// <summary>A folder of this fixture's own, for files the daemon is pointed at.</summary>
    public string Directory => _dir;

    private readonly SysfsTree _tree;
    private readonly string _uevents;
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("usbpassd-rpc-").FullName;
    private Process? _daemon;

    public string Socket => Path.Combine(_dir, "usbpassd.sock");

    public int Pid => _daemon!.Id;

    /// <summary>The daemon's resident memory now, in bytes.</summary>
    public long Rss() =>
        long.Parse(File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    public virtual async Task InitializeAsync()
    {
        string notifyPath = Path.Combine(_dir, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])[ Path.Combine(AppContext.BaseDirectory, "usbpassd.dll"), "--sysfs-root", _tree.Root, "--state-dir", Path.Combine(_dir, "state"), "--socket", Socket, "--uevents", _uevents, "--libvirt-uri", _libvirtUri, .._extra])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NOTIFY_SOCKET"] = notifyPath;
        _daemon = Process.Start(psi)!;
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        byte[] buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!Encoding.UTF8.GetString(buffer, 0, await notify.ReceiveAsync(buffer, SocketFlags.None, cts.Token)).Contains("READY=1", StringComparison.Ordinal))
        {
        }
    }

    public virtual async Task DisposeAsync()
    {
        _daemon?.Kill();
        if (_daemon is not null)
        {
            await _daemon.WaitForExitAsync();
        }

        _tree.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A raw connection: write exact bytes, read exact lines.</summary>
    public async Task<WireClient> ConnectAsync()
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        return new WireClient(s);
    }
}

public sealed class WireClient(Socket socket) : IDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly StreamReader _reader = new(new NetworkStream(socket, ownsSocket: false), Encoding.UTF8);

    public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task<string> ReadLineAsync(int seconds = 30)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await _reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("the daemon closed the connection");
    }

    public async Task<string> AskAsync(string line)
    {
        await SendAsync(line + "\n");
        return await ReadLineAsync();
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }
}
