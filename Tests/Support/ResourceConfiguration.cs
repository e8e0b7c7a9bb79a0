using Microsoft.Extensions.Logging.Abstractions;

namespace HpcAspire.Tests.Support;

/// <summary>A resource's arguments and environment as publishing resolves them (manifest expressions for references).</summary>
internal static class ResourceConfiguration
{
    public static async Task<Dictionary<string, string>> EnvironmentAsync(IResource resource)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource).WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), NullLogger.Instance, CancellationToken.None);
        return result.EnvironmentVariables.ToDictionary(pair => pair.Key, pair => pair.Value);
    }

    public static async Task<List<string>> ArgumentsAsync(IResource resource)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource).WithArgumentsConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), NullLogger.Instance, CancellationToken.None);
        return result.Arguments.Select(argument => argument.Value).ToList();
    }
}
