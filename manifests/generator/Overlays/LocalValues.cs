using System.Globalization;
using System.Security.Cryptography;
using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Profile;

namespace HpcAspire.KubernetesManifests.Overlays;

/// <summary>
/// The local overlay's env files that git must not hold: one per Secret, with values generated as the manifest's
/// <c>generate</c> rules say (letters and digits only where it forbids special characters, so they are their own
/// URI encoding), and one per parameter ConfigMap with a per-deployment value.
/// </summary>
internal static class LocalValues
{
    public static IEnumerable<(string Secret, string FileName)> SecretFiles(DeploymentProfile profile) =>
        profile.Parameters.Values.Select(source => source.Secret).OfType<string>().Distinct().Order(StringComparer.Ordinal)
            .Select(secret => (secret, $"{secret}.env"));

    public static IEnumerable<(string ConfigMap, string FileName)> ConfigMapFiles(DeploymentProfile profile) =>
        profile.Parameters.Values.Where(source => source.Local is not null).Select(source => source.ConfigMap)
            .OfType<string>().Distinct().Order(StringComparer.Ordinal)
            .Select(configMap => (configMap, $"{configMap}.env"));

    /// <summary>Writes the files that are missing; existing ones stay, since RabbitMQ keeps the first credentials it saw.</summary>
    public static IReadOnlyList<string> Write(string overlayDirectory, AspireManifest manifest, DeploymentProfile profile, bool overwrite, TimeProvider clock)
    {
        var written = new List<string>();
        foreach (var (secret, fileName) in SecretFiles(profile))
        {
            var lines = profile.Parameters.Where(p => p.Value.Secret == secret).OrderBy(p => p.Value.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Value.Key}={Generate(p.Key, manifest[p.Key])}");
            WriteFile(Path.Combine(overlayDirectory, fileName), lines, overwrite, written);
        }

        foreach (var (configMap, fileName) in ConfigMapFiles(profile))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var lines = profile.Parameters.Where(p => p.Value.ConfigMap == configMap && p.Value.Local == LocalValue.UtcNow).OrderBy(p => p.Value.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Value.Key}={now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}");
            WriteFile(Path.Combine(overlayDirectory, fileName), lines, overwrite, written);
        }

        return written;
    }

    private static void WriteFile(string path, IEnumerable<string> lines, bool overwrite, List<string> written)
    {
        if (File.Exists(path) && !overwrite)
        {
            return;
        }

        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        written.Add(path);
    }

    private static string Generate(string name, ManifestResource parameter)
    {
        var rules = parameter.Inputs.Values.Select(input => input.Default?.Generate).OfType<GeneratedValue>().FirstOrDefault()
            ?? throw new InvalidDataException($"Parameter '{name}' has no generate rule; set its value in the env file yourself.");
        if (rules.Special)
        {
            throw new InvalidDataException($"Parameter '{name}' may hold special characters, which its URI-encoded uses cannot take unencoded.");
        }

        var alphabet = (rules.Lower ? "abcdefghijklmnopqrstuvwxyz" : "") + (rules.Upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "") + (rules.Numeric ? "0123456789" : "");
        var length = Math.Max(rules.MinLength, 22);
        while (true)
        {
            var value = RandomNumberGenerator.GetString(alphabet, length);
            if (value.Count(char.IsAsciiLetterLower) >= rules.MinLower && value.Count(char.IsAsciiLetterUpper) >= rules.MinUpper
                && value.Count(char.IsAsciiDigit) >= rules.MinNumeric)
            {
                return value;
            }
        }
    }
}
