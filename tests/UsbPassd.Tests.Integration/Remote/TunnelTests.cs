using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using UsbPassd.Remote;

namespace UsbPassd.Tests.Integration.Remote;

/// <summary>
/// Remote USB's channel without the kernel: real TLS 1.3 over loopback TCP between two <see cref="PeerTrust"/>s,
/// and <see cref="Splice"/> carrying bytes between each side's local socket pair (where the kernel's
/// usbip_sockfd and vhci attach ends go in the lab) and the TLS stream.
/// </summary>
public sealed class TunnelTests : IDisposable
{
    private readonly FleetCertificates _fleet = new();
    private readonly X509Certificate2 _a;
    private readonly X509Certificate2 _b;

    public TunnelTests()
    {
        _a = _fleet.Host("host-a.lab");
        _b = _fleet.Host("host-b.lab");
    }

    private PeerTrust Trust(X509Certificate2 own, params string[] peers) => new(own, [_fleet.Ca], peers);

    [Fact]
    public async Task Bytes_written_to_one_hosts_local_socket_come_out_of_the_others_both_ways()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var (exporter, importer) = await ConnectAsync(Trust(_a, "host-b.lab"), Trust(_b, "host-a.lab"), "host-a.lab", cts.Token);
        using (exporter)
        using (importer)
        {
            Assert.Equal("host-b.lab", PeerTrust.NameOf(new X509Certificate2(exporter.RemoteCertificate!)));
            Assert.Equal(SslProtocols.Tls13, exporter.SslProtocol);
            var (kernelA, spliceA) = LocalPair();
            var (kernelB, spliceB) = LocalPair();
            Task<(long, long)> a = Splice.RunAsync(new NetworkStream(spliceA, ownsSocket: true), exporter, cts.Token);
            Task<(long, long)> b = Splice.RunAsync(new NetworkStream(spliceB, ownsSocket: true), importer, cts.Token);

            byte[] submit = [.. Enumerable.Range(0, 48).Select(i => (byte)i)]; // a CMD_SUBMIT header's size
            await kernelB.SendAsync(submit, cts.Token);
            Assert.Equal(submit, await ReceiveAsync(kernelA, submit.Length, cts.Token));
            byte[] reply = new byte[56 + 31 * 1024]; // RET_SUBMIT with a bulk read's data
            Random.Shared.NextBytes(reply);
            await kernelA.SendAsync(reply, cts.Token);
            Assert.Equal(reply, await ReceiveAsync(kernelB, reply.Length, cts.Token));

            // The importing kernel lets go (vhci detach): the exporting kernel sees its socket end.
            kernelB.Close();
            Assert.Empty(await ReceiveAsync(kernelA, 1, cts.Token));
            Assert.Equal((reply.Length, (long)submit.Length), await a);
            Assert.Equal(((long)submit.Length, reply.Length), await b);
            kernelA.Dispose();
        }
    }

    [Fact]
    public async Task A_peer_whose_certificate_another_ca_signed_is_refused()
    {
        using var rogue = new FleetCertificates("Someone else's CA");
        using X509Certificate2 mallory = rogue.Host("host-b.lab");
        string? why = Trust(_a, "host-b.lab").Judge(mallory);
        Assert.NotNull(why);
        Assert.Contains("not one the fleet's CA signed", why);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(Trust(_a, "host-b.lab"), new PeerTrust(mallory, [rogue.Ca], ["host-a.lab"]), "host-a.lab", cts.Token));
    }

    [Fact]
    public async Task A_host_the_ca_signed_but_nobody_configured_as_a_peer_is_refused()
    {
        using X509Certificate2 c = _fleet.Host("host-c.lab");
        Assert.Contains("'host-c.lab', which is not a configured peer", Trust(_a, "host-b.lab").Judge(c));
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(Trust(_a, "host-b.lab"), Trust(c, "host-a.lab"), "host-a.lab", cts.Token));
    }

    [Fact]
    public void An_exporter_other_than_the_one_asked_for_is_refused_and_an_expired_certificate_too()
    {
        PeerTrust b = Trust(_b, "host-a.lab", "host-c.lab");
        using X509Certificate2 c = _fleet.Host("host-c.lab");
        Assert.Null(b.Judge(c));
        Assert.Contains("not 'host-a.lab', the peer asked for", b.Judge(c, expected: "host-a.lab"));
        using X509Certificate2 old = _fleet.Host("host-a.lab", notAfter: DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Contains("not valid now", b.Judge(old));
        Assert.Equal("it sent no certificate", b.Judge(null));
    }

    // The exporting daemon listens; the importing one connects and asks for the exporter by name.
    private static async Task<(SslStream Exporter, SslStream Importer)> ConnectAsync(PeerTrust exporter, PeerTrust importer, string exporterName, CancellationToken ct)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task<TcpClient> accepted = listener.AcceptTcpClientAsync(ct).AsTask();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, ct);
        var server = new SslStream((await accepted).GetStream(), leaveInnerStreamOpen: false);
        var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        Task serverSide = server.AuthenticateAsServerAsync(exporter.Server(), ct);
        Task clientSide = tls.AuthenticateAsClientAsync(importer.Client(exporterName), ct);
        try
        {
            await Task.WhenAll(serverSide, clientSide);
        }
        catch
        {
            await server.DisposeAsync();
            await tls.DisposeAsync();
            throw;
        }

        return (server, tls);
    }

    // A connected pair of Unix stream sockets, as socketpair(2) gives the daemon for the kernel.
    private static (Socket Kernel, Socket Daemon) LocalPair()
    {
        string path = Path.Combine(Path.GetTempPath(), $"usbpassd-pair-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var kernel = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        kernel.Connect(new UnixDomainSocketEndPoint(path));
        Socket daemon = listener.Accept();
        File.Delete(path);
        return (kernel, daemon);
    }

    private static async Task<byte[]> ReceiveAsync(Socket s, int count, CancellationToken ct)
    {
        byte[] buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = await s.ReceiveAsync(buffer.AsMemory(got), ct);
            if (n == 0)
            {
                break;
            }

            got += n;
        }

        return buffer[..got];
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _fleet.Dispose();
    }
}
