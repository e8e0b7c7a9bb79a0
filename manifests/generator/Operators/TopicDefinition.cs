using System.Globalization;

namespace HpcAspire.KubernetesManifests.Operators;

/// <summary>
/// A topic the application needs, as the topic-creation step declares it. Its contract is the env of
/// AppHost/Infrastructure/Kafka/create-topics.sh: TOPICS ("name:partitions …"), TOPICS_REPLICATION_FACTOR (default 3)
/// and TOPICS_MIN_INSYNC_REPLICAS (default 2).
/// </summary>
internal sealed record TopicDefinition(string Name, int Partitions, int ReplicationFactor, int MinInsyncReplicas)
{
    public static IReadOnlyList<TopicDefinition> FromEnvironment(IReadOnlyDictionary<string, string> env)
    {
        var topics = env.TryGetValue("TOPICS", out var declared)
            ? declared
            : throw new InvalidDataException("The topic-creation step has no TOPICS env (\"name:partitions name:partitions ...\").");
        var replication = Number(env, "TOPICS_REPLICATION_FACTOR", 3);
        var minInsync = Number(env, "TOPICS_MIN_INSYNC_REPLICAS", 2);

        return topics.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(spec =>
        {
            var separator = spec.LastIndexOf(':');
            return separator > 0 && int.TryParse(spec[(separator + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var partitions)
                ? new TopicDefinition(spec[..separator], partitions, replication, minInsync)
                : throw new InvalidDataException($"TOPICS entry '{spec}' is not name:partitions.");
        }).ToList();
    }

    private static int Number(IReadOnlyDictionary<string, string> env, string name, int fallback) =>
        !env.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new InvalidDataException($"{name} is '{text}', not a number.");
}
