#pragma warning disable ASPIRECERTIFICATES001 // The certificate annotations are marked for evaluation in Aspire 13.6.
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

/// <summary>
/// Nothing in either mode asks for a development certificate, so a fresh Linux machine (where none is trusted) starts
/// without Aspire's "No trusted Aspire development certificate" warning and the dashboard's error banner.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public class DevelopmentCertificateTests
{
    [Theory]
    [InlineData("Embedded")]
    [InlineData("Containers")]
    public async Task No_resource_serves_tls_so_aspire_has_no_certificate_to_warn_about(string mode)
    {
        await using var builder = await AppHostFactory.CreateAsync(mode, "Application:Transports=Both");

        var usingTls = builder.Resources.Where(UsesTls).Select(r => r.Name).ToList();

        Assert.Empty(usingTls);
        Assert.Contains(builder.Resources, r => r is ProjectResource);
    }

    /// <summary>Aspire's own rule (Aspire.Hosting's DcpHost.ResourceUsesTls), which decides whether it checks the certificate.</summary>
    private static bool UsesTls(IResource resource)
    {
        if (resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.UriScheme is "https"))
        {
            return true;
        }

        if (!resource.Annotations.OfType<HttpsCertificateConfigurationCallbackAnnotation>().Any())
        {
            return false;
        }

        return !(resource.TryGetLastAnnotation<HttpsCertificateAnnotation>(out var certificate)
                 && certificate.UseDeveloperCertificate is false or null
                 && certificate.Certificate is null);
    }
}
