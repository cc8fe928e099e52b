using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace UsbPassd.Remote;

/// <summary>
/// Mutual TLS between usbpassd daemons (remote USB): each presents its own certificate, signed by the
/// fleet's CA, and accepts only a peer whose certificate chains to that CA and names a configured peer.
/// TLS 1.3 only: the TLS is in user space (<see cref="Splice"/>), the kernel's USB/IP socket stays one end
/// of a local socket pair, so kernel TLS's 1.2-only receive path does not bind us.
/// </summary>
public sealed class PeerTrust
{
    private readonly SslStreamCertificateContext _own;
    private readonly X509Certificate2Collection _ca;
    private readonly HashSet<string> _peers;

    /// <param name="own">This host's certificate with its private key.</param>
    /// <param name="ca">The fleet's CA (the only root trusted: the system's store is not).</param>
    /// <param name="peers">The peers' names as their certificates give them (DNS name, else common name).</param>
    public PeerTrust(X509Certificate2 own, X509Certificate2Collection ca, IEnumerable<string> peers)
    {
        if (!own.HasPrivateKey)
        {
            throw new ArgumentException($"this host's certificate ({own.Subject}) has no private key", nameof(own));
        }

        _own = SslStreamCertificateContext.Create(own, additionalCertificates: null, offline: true);
        _ca = ca;
        _peers = new HashSet<string>(peers, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyCollection<string> Peers => _peers;

    /// <summary>For the exporting side: a client certificate is required, and judged by <see cref="Judge"/>.</summary>
    public SslServerAuthenticationOptions Server() => new()
    {
        ServerCertificateContext = _own,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Judge(certificate) is null,
    };

    /// <summary>For the importing side: the exporter must be <paramref name="peer"/>, nobody else the CA signed.</summary>
    public SslClientAuthenticationOptions Client(string peer) => new()
    {
        TargetHost = peer,
        ClientCertificateContext = _own,
        EnabledSslProtocols = SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Judge(certificate, peer) is null,
    };

    /// <summary>
    /// Null when <paramref name="certificate"/> chains to the fleet's CA (and to nothing else), is in its
    /// validity period and names a configured peer (<paramref name="expected"/> when given); else why not,
    /// as a sentence for the log.
    /// </summary>
    public string? Judge(X509Certificate? certificate, string? expected = null)
    {
        if (certificate is null)
        {
            return "it sent no certificate";
        }

        using var cert = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(cert))
        {
            return $"its certificate ({cert.Subject}) is not one the fleet's CA signed, or not valid now: {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct())}";
        }

        string name = NameOf(cert);
        if (!_peers.Contains(name))
        {
            return $"its certificate names it '{name}', which is not a configured peer";
        }

        return expected is not null && !name.Equals(expected, StringComparison.OrdinalIgnoreCase)
            ? $"its certificate names it '{name}', not '{expected}', the peer asked for"
            : null;
    }

    /// <summary>A peer's name: its certificate's first DNS name, else its common name.</summary>
    public static string NameOf(X509Certificate2 certificate) => certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false);
}
