using Confluent.SchemaRegistry;
using HpcAspire.SchemaRegistry.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>
/// The registry service's real Program on Kestrel (127.0.0.1, a free port), because the Confluent
/// client brings its own HttpClient and needs a URL, not an in-memory test server.
/// </summary>
public sealed class SchemaRegistryServer : IAsyncDisposable
{
    // Any type of the service's assembly names its entry point; `Program` itself is ambiguous here
    // because the AppHost's Program is public too.
    private readonly WebApplicationFactory<SchemaStore> _factory;

    private SchemaRegistryServer(WebApplicationFactory<SchemaStore> factory, Uri url, string dataDirectory)
    {
        this._factory = factory;
        Url = url;
        DataDirectory = dataDirectory;
    }

    public Uri Url { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _factory.Services;

    public string JournalPath => Path.Combine(DataDirectory, RegistryJournal.FileName);

    public static SchemaRegistryServer Start(string dataDirectory)
    {
        var factory = new WebApplicationFactory<SchemaStore>().WithWebHostBuilder(host => host
            .UseSetting("SchemaRegistry:DataDirectory", dataDirectory)
            .UseSetting("Logging:LogLevel:Default", "Warning"));
        try
        {
            factory.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
            factory.StartServer();
            var address = factory.Services.GetRequiredService<IServer>().Features
                .Get<IServerAddressesFeature>()!.Addresses.Single();
            return new SchemaRegistryServer(factory, new Uri(address), dataDirectory);
        }
        catch
        {
            factory.Dispose();
            throw;
        }
    }

    /// <summary>A fresh client, so its cache never answers for the server.</summary>
    public CachedSchemaRegistryClient CreateClient() => new(new SchemaRegistryConfig { Url = Url.ToString() });

    public HttpClient CreateHttpClient() => new() { BaseAddress = Url };

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();
}

/// <summary>A temporary data directory, removed with everything in it.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("hpcaspire-schema-registry-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>One registry per test class; tests keep apart by using subjects of their own.</summary>
public sealed class SchemaRegistryFixture : IAsyncLifetime
{
    private readonly TemporaryDirectory _data = new();

    public SchemaRegistryServer Server { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Server = SchemaRegistryServer.Start(_data.Path);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _data.Dispose();
    }

    public static string NewSubject(string name) => $"{name}-{Guid.NewGuid():N}-value";
}
