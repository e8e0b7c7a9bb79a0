namespace HpcAspire.AppHost.Infrastructure;

internal static class PlainHttp
{
    /// <summary>
    /// The service's one endpoint, plain HTTP (health checks; telemetry leaves over OTLP), and no HTTPS certificate.
    /// Aspire gives every project a development-certificate configuration by default and, when any resource has one,
    /// warns at start ("No trusted Aspire development certificate was found") and shows that as an error banner in the
    /// dashboard. On Linux <c>dotnet dev-certs https --trust</c> cannot make the certificate trusted for every client,
    /// and nothing here serves TLS, so the services say so instead.
    /// </summary>
#pragma warning disable ASPIRECERTIFICATES001 // WithoutHttpsCertificate is marked for evaluation in Aspire 13.6.
    public static IResourceBuilder<ProjectResource> WithPlainHttpEndpoint(this IResourceBuilder<ProjectResource> service) =>
        service.WithHttpEndpoint().WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001
}
