using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UsbPassd.Tests.Integration.Remote;

/// <summary>A fleet CA and host certificates made for a test (ECDSA P-256, as an operator's CA would issue).</summary>
internal sealed class FleetCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public FleetCertificates(string name = "UsbPassd test fleet CA")
    {
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    public X509Certificate2 Ca { get; }

    /// <summary>A host's certificate with its key, for both TLS roles, naming it by DNS name.</summary>
    public X509Certificate2 Host(string name, DateTimeOffset? notAfter = null)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        DateTimeOffset until = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        using X509Certificate2 issued = request.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), until, serial);
        // Through PKCS#12 so the key is a persisted one SslStream accepts on every platform.
        using X509Certificate2 withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}
