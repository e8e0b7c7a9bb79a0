using System.Diagnostics;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

/// <summary>
/// create-topics.sh, the script the kafka-topics container (and the Kubernetes Job) runs, against a stand-in
/// kafka-topics that records its calls and answers --list only once the "brokers" are up.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public class TopicCreationScriptTests
{
    private const string FakeKafkaTopics = """
        #!/bin/sh
        echo "$*" >> "$CALLS"
        case "$*" in
          *--list*) [ -e "$BROKERS_UP" ] || { echo 'Timed out waiting for a node assignment' >&2; exit 1; } ;;
        esac
        exit 0
        """;

    [Fact]
    public async Task Each_topic_is_created_once_the_brokers_answer_with_its_partitions_replication_and_min_isr()
    {
        var run = await RunAsync(brokersUpAfter: TimeSpan.FromSeconds(3), timeoutSeconds: 60);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("waiting for a broker of kafka-1:9093,kafka-2:9093 to answer", run.Output);
        var creates = run.Calls.Where(call => call.Contains("--create")).ToList();
        Assert.Equal(
        [
            "--bootstrap-server kafka-1:9093,kafka-2:9093 --create --if-not-exists --topic node-readings --partitions 6 --replication-factor 3 --config min.insync.replicas=2",
            "--bootstrap-server kafka-1:9093,kafka-2:9093 --create --if-not-exists --topic dead-letters --partitions 1 --replication-factor 3 --config min.insync.replicas=2",
        ], creates);
        Assert.True(run.Calls.FindIndex(call => call.Contains("--create")) > run.Calls.FindLastIndex(call => call.Contains("--list")));
    }

    [Fact]
    public async Task No_broker_answering_within_the_timeout_fails_with_the_addresses_named()
    {
        var run = await RunAsync(brokersUpAfter: null, timeoutSeconds: 3);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("no broker of kafka-1:9093,kafka-2:9093 answered within 3 s", run.Errors);
        Assert.DoesNotContain(run.Calls, call => call.Contains("--create"));
    }

    private sealed record ScriptRun(int ExitCode, string Output, string Errors, List<string> Calls);

    private static async Task<ScriptRun> RunAsync(TimeSpan? brokersUpAfter, int timeoutSeconds)
    {
        var directory = TestDirectories.Create("create-topics");
        StandInExecutables.Write(directory, "kafka-topics", FakeKafkaTopics);
        var calls = Path.Combine(directory, "calls");
        var brokersUp = Path.Combine(directory, "brokers-up");

        var script = Path.Combine(Projects.HpcAspire_AppHost.ProjectPath, "Infrastructure", "Kafka", "create-topics.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = $"{directory}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["CALLS"] = calls;
        start.Environment["BROKERS_UP"] = brokersUp;
        start.Environment["TOPICS_BOOTSTRAP_SERVERS"] = "kafka-1:9093,kafka-2:9093";
        start.Environment["TOPICS"] = "node-readings:6 dead-letters:1";
        start.Environment["TOPICS_REPLICATION_FACTOR"] = "3";
        start.Environment["TOPICS_MIN_INSYNC_REPLICAS"] = "2";
        start.Environment["TOPICS_TIMEOUT_SECONDS"] = timeoutSeconds.ToString();

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (brokersUpAfter is { } delay)
        {
            await Task.Delay(delay);
            await File.WriteAllTextAsync(brokersUp, "");
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        var recorded = File.Exists(calls) ? (await File.ReadAllLinesAsync(calls)).ToList() : [];
        return new ScriptRun(process.ExitCode, await output, await errors, recorded);
    }
}
