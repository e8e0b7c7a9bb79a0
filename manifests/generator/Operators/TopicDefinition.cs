using System.Globalization;
using System.Text.RegularExpressions;

namespace HpcAspire.KubernetesManifests.Operators;

/// <summary>A topic the application needs: what the topic-creation step's <c>kafka-topics --create</c> calls say.</summary>
internal sealed partial record TopicDefinition(string Name, int Partitions, int ReplicationFactor, IReadOnlyDictionary<string, string> Config)
{
    [GeneratedRegex("""(?:"[^"]*"|'[^']*'|[^\s;&|])+""")]
    private static partial Regex Word();

    /// <summary>Every <c>kafka-topics … --create</c> in a command line or script, in order.</summary>
    public static IReadOnlyList<TopicDefinition> ParseAll(IEnumerable<string> commandLine)
    {
        var words = commandLine.SelectMany(part => Word().Matches(part).Select(match => match.Value.Trim('"', '\''))).ToList();
        var topics = new List<TopicDefinition>();
        for (var start = words.FindIndex(IsKafkaTopics); start >= 0; start = words.FindIndex(start + 1, IsKafkaTopics))
        {
            var end = words.FindIndex(start + 1, IsKafkaTopics);
            var call = words[start..(end < 0 ? words.Count : end)];
            if (call.Contains("--create"))
            {
                topics.Add(Parse(call));
            }
        }

        return topics;
    }

    private static bool IsKafkaTopics(string word) => word.EndsWith("kafka-topics", StringComparison.Ordinal) || word.EndsWith("kafka-topics.sh", StringComparison.Ordinal);

    private static TopicDefinition Parse(List<string> call)
    {
        string? Option(string name) => call.IndexOf(name) is >= 0 and var index && index + 1 < call.Count ? call[index + 1] : null;

        int Number(string name) => int.TryParse(Option(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"kafka-topics call '{string.Join(' ', call)}' has no literal {name}.");

        var config = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var index = call.IndexOf("--config"); index >= 0 && index + 1 < call.Count; index = call.IndexOf("--config", index + 1))
        {
            var setting = call[index + 1].Split('=', 2);
            config[setting[0]] = setting.Length == 2 ? setting[1] : "";
        }

        return new TopicDefinition(
            Option("--topic") ?? throw new InvalidDataException($"kafka-topics call '{string.Join(' ', call)}' names no --topic."),
            Number("--partitions"), Number("--replication-factor"), config);
    }
}
