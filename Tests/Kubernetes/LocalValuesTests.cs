using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Overlays;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Kubernetes;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class LocalValuesTests
{
    private static readonly AspireManifest Manifest = AspireManifest.Load(RepositoryFiles.Manifest);

    private static readonly DeploymentProfile Profile = DeploymentProfile.Load(RepositoryFiles.Profile);

    [Fact]
    public void The_secrets_command_writes_credentials_of_letters_and_digits_that_are_their_own_uri_encoding()
    {
        var directory = TestDirectories.Create("kubernetes-local-values");

        LocalValues.Write(directory, Manifest, Profile, overwrite: false, TimeProvider.System);

        var credentials = File.ReadAllLines(Path.Combine(directory, "rabbitmq-default-user.env")).Select(line => line.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(["password", "username"], credentials.Keys.Order());
        Assert.All(credentials.Values, value =>
        {
            Assert.Matches("^[A-Za-z0-9]{22,}$", value);
            Assert.Equal(value, Uri.EscapeDataString(value));
        });
        Assert.Matches("^[a-z]+$", credentials["username"]);
    }

    [Fact]
    public void The_secrets_command_keeps_existing_files_unless_forced()
    {
        var directory = TestDirectories.Create("kubernetes-local-values");
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 2, 10, 30, 15, 400, TimeSpan.Zero));
        LocalValues.Write(directory, Manifest, Profile, overwrite: false, clock);
        var first = File.ReadAllText(Path.Combine(directory, "rabbitmq-default-user.env"));

        Assert.Empty(LocalValues.Write(directory, Manifest, Profile, overwrite: false, clock));
        Assert.Equal(first, File.ReadAllText(Path.Combine(directory, "rabbitmq-default-user.env")));
        Assert.Equal("start-time=2026-12-02T10:30:15Z\n", File.ReadAllText(Path.Combine(directory, "cluster-simulation.env")));

        LocalValues.Write(directory, Manifest, Profile, overwrite: true, clock);
        Assert.NotEqual(first, File.ReadAllText(Path.Combine(directory, "rabbitmq-default-user.env")));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
