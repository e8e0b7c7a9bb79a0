using Microsoft.Extensions.Configuration;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>The Kafka cluster: broker count, replication and the application's topics.</summary>
public sealed record KafkaSettings
{
    public const string SectionName = "Kafka";

    public int Brokers { get; init; } = 3;

    public int ReplicationFactor { get; init; } = 3;

    public int MinInsyncReplicas { get; init; } = 2;

    /// <summary>Topic name to partition count; created with <see cref="ReplicationFactor"/> at start.</summary>
    public IReadOnlyDictionary<string, int> Topics { get; init; } = new Dictionary<string, int>();

    /// <summary>Consumer groups the application uses; the embedded controller keeps their coordinators on live brokers.</summary>
    public IReadOnlyList<string> ConsumerGroups { get; init; } = [];

    /// <summary>Transactional ids the application uses; kept on live coordinators like the groups.</summary>
    public IReadOnlyList<string> TransactionalIds { get; init; } = [];

    /// <summary>
    /// Embedded cluster only: topics whose records the AppHost deletes once every group named for them has committed
    /// past them, as the groups' lowest committed offset per partition (Kafka's DeleteRecords). librdkafka's mock walks a
    /// partition's log from its oldest batch on every fetch, so a log kept full to its 5 MiB makes every fetch slower;
    /// trimmed, it holds what its readers have not yet read. Real brokers index their logs and keep their retention.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TrimConsumed { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// Embedded cluster only: true keeps what <see cref="TrimConsumed"/> would delete, for reading a topic from its start
    /// after the application has read it (up to the mock's own 5 MiB per partition).
    /// </summary>
    public bool KeepReadRecords { get; init; }

    internal static KafkaSettings Load(IConfigurationSection section)
    {
        var defaults = new KafkaSettings();
        var settings = new KafkaSettings
        {
            Brokers = ReadInt(section, nameof(Brokers), defaults.Brokers),
            ReplicationFactor = ReadInt(section, nameof(ReplicationFactor), defaults.ReplicationFactor),
            MinInsyncReplicas = ReadInt(section, nameof(MinInsyncReplicas), defaults.MinInsyncReplicas),
            Topics = section.GetSection(nameof(Topics)).GetChildren()
                .ToDictionary(topic => topic.Key, topic => ReadInt(section.GetSection(nameof(Topics)), topic.Key, 0)),
            ConsumerGroups = ReadList(section, nameof(ConsumerGroups)),
            TransactionalIds = ReadList(section, nameof(TransactionalIds)),
            KeepReadRecords = ReadBool(section, nameof(KeepReadRecords)),
            TrimConsumed = section.GetSection(nameof(TrimConsumed)).GetChildren()
                .ToDictionary(topic => topic.Key, topic => (IReadOnlyList<string>)ReadList(section.GetSection(nameof(TrimConsumed)), topic.Key)),
        };
        settings.Validate();
        return settings;
    }

    private void Validate()
    {
        const string s = SectionName;
        if (Brokers < 1)
        {
            Fail($"{s}:Brokers is {Brokers}; a cluster needs at least one broker. Set {s}:Brokers to 1 or more (default 3).");
        }

        if (ReplicationFactor < 1 || ReplicationFactor > Brokers)
        {
            Fail($"{s}:ReplicationFactor is {ReplicationFactor} but {s}:Brokers is {Brokers}; each replica needs its own broker. " +
                 $"Set {s}:ReplicationFactor between 1 and {Brokers}, or raise {s}:Brokers.");
        }

        if (MinInsyncReplicas < 1 || MinInsyncReplicas > ReplicationFactor)
        {
            Fail($"{s}:MinInsyncReplicas is {MinInsyncReplicas} but {s}:ReplicationFactor is {ReplicationFactor}; acks=all writes would always fail. " +
                 $"Set {s}:MinInsyncReplicas between 1 and {ReplicationFactor}.");
        }

        foreach (var (topic, partitions) in Topics)
        {
            if (partitions < 1)
            {
                Fail($"{s}:Topics:{topic} is {partitions}; a topic needs at least one partition. Set {s}:Topics:{topic} to 1 or more.");
            }
        }

        foreach (var (topic, groups) in TrimConsumed)
        {
            if (!Topics.ContainsKey(topic))
            {
                Fail($"{s}:TrimConsumed names topic '{topic}', which is not in {s}:Topics ({string.Join(", ", Topics.Keys)}). Name one of those topics or remove the entry.");
            }

            if (groups.Count == 0 || groups.Any(group => !ConsumerGroups.Contains(group)))
            {
                Fail($"{s}:TrimConsumed:{topic} is [{string.Join(", ", groups)}]; it must list every consumer group that reads the topic, " +
                     $"each one of {s}:ConsumerGroups ({string.Join(", ", ConsumerGroups)}), or records are deleted before a reader has them.");
            }
        }
    }

    private static int ReadInt(IConfigurationSection section, string key, int fallback) =>
        Read(section, key, fallback, int.TryParse, "which is not a whole number. Set it to a whole number.");

    private static bool ReadBool(IConfigurationSection section, string key) =>
        Read(section, key, false, bool.TryParse, "set it to true or false.");

    private delegate bool TryParse<T>(string raw, out T value);

    private static T Read<T>(IConfigurationSection section, string key, T fallback, TryParse<T> parse, string fix)
    {
        var raw = section[key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        return parse(raw, out var value)
            ? value
            : throw new InfrastructureConfigurationException($"{section.Path}:{key} is '{raw}', {fix}");
    }

    private static string[] ReadList(IConfigurationSection section, string key) =>
        section.GetSection(key).GetChildren().Select(child => child.Value).OfType<string>().ToArray();

    private static void Fail(string message) => throw new InfrastructureConfigurationException(message);
}
