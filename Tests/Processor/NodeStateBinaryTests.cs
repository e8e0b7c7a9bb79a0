using System.Text.Json;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Processor;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Processor;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class NodeStateBinaryTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    // The snapshot options without the binary converter: node states as plain JSON, to compare field by field.
    private static readonly JsonSerializerOptions PlainJson = WithoutConverters(SnapshotJson.Options);

    [Fact]
    public void Node_states_round_trip_exactly_with_every_optional_part_present_or_missing()
    {
        NodeState[] nodes =
        [
            new("node-0001", T0.AddSeconds(29), [.. Enumerable.Range(0, 30).Select(i => Reading("node-0001", i))], [Reading("node-0001", 30), Reading("node-0009", 31)],
                [
                    new JobRun("job-1", "alice", "physics", ["node-0001", "node-0002"], T0) { End = T0.AddSeconds(20), FinalState = JobState.Completed },
                    new JobRun("job-2", "bob", "chemistry", ["node-0001"], T0.AddSeconds(21)),
                ],
                [
                    new EnergyIntegralState("job-1", T0, Reading("node-0001", 19), 12_345.678_901_234, 412.5, 20,
                        [.. Enumerable.Range(0, 20).Select(i => new PowerSample { Time = T0.AddSeconds(i), Watts = 380 + i * Math.PI })]),
                    new EnergyIntegralState("job-2", T0.AddSeconds(21), null, 0, 0, 0, []),
                    new EnergyIntegralState("job-3", T0.AddSeconds(2), Reading("node-0001", 3), 1.5, 2.5, 2, null),
                ]),
            new("node-0002", null, [], [], [], []),
        ];

        var decoded = NodeStateBinary.Decode(NodeStateBinary.Encode(nodes));

        Assert.Equal(JsonSerializer.Serialize(nodes, PlainJson), JsonSerializer.Serialize(decoded, PlainJson));
        Assert.Equal(DateTimeKind.Utc, decoded[0].Window[0].Timestamp.Kind);
        Assert.Equal(nodes[0].Integrals[0].Joules, decoded[0].Integrals[0].Joules); // bit for bit, not as printed
        Assert.Equal(nodes[0].Integrals[0].Power!.Select(p => p.Watts), decoded[0].Integrals[0].Power!.Select(p => p.Watts));
        Assert.Empty(decoded[0].Integrals[1].Power!);
        Assert.Null(decoded[0].Integrals[2].Power); // not known is not the same as none
    }

    [Fact]
    public void Version_3_is_written_byte_for_byte_as_its_layout_says_with_own_and_other_nodes_readings_mixed()
    {
        // The layout, field by field: readings and power samples are written in blocks, and a block must not change a byte of it.
        NodeReading[] window = [Reading("node-0001", 0), Reading("node-0007", 1), Reading("node-0001", 2), Reading("node-0001", 3)];
        NodeReading[] waiting = [Reading("node-0008", 4), Reading("node-0001", 5)];
        PowerSample[] samples = [new() { Time = T0.AddSeconds(2), Watts = 401.25 }, new() { Time = T0.AddSeconds(3), Watts = Math.E * 100 }];
        EnergyIntegralState[] integrals =
        [
            new("job-5", T0.AddSeconds(2), Reading("node-0001", 3), 802.5, Math.E * 100, 2, samples),
            new("job-6", T0.AddSeconds(3), null, 0, 0, 0, null),
        ];
        using var expected = new MemoryStream();
        using (var writer = new BinaryWriter(expected))
        {
            writer.Write((byte)3);
            writer.Write(1); // one node
            writer.Write("node-0001");
            writer.Write(true);
            writer.Write(T0.AddSeconds(5).ToBinary());
            foreach (var readings in new[] { window, waiting })
            {
                writer.Write(readings.Length);
                foreach (var reading in readings)
                {
                    writer.Write(reading.NodeId == "node-0001" ? "" : reading.NodeId);
                    writer.Write(reading.Timestamp.ToBinary());
                    foreach (var value in new[] { reading.CpuTemperatureCelsius, reading.GpuTemperatureCelsius, reading.PowerWatts, reading.CpuUtilization, reading.GpuUtilization })
                    {
                        writer.Write(value);
                    }
                }
            }

            writer.Write(0); // runs
            writer.Write(2); // integrals
            writer.Write("job-5");
            writer.Write(T0.AddSeconds(2).ToBinary());
            writer.Write(true); // its previous reading, the node's own: an empty id
            writer.Write("");
            var previous = Reading("node-0001", 3);
            writer.Write(previous.Timestamp.ToBinary());
            foreach (var value in new[] { previous.CpuTemperatureCelsius, previous.GpuTemperatureCelsius, previous.PowerWatts, previous.CpuUtilization, previous.GpuUtilization })
            {
                writer.Write(value);
            }

            writer.Write(802.5); // joules
            writer.Write(Math.E * 100); // peak
            writer.Write(2L); // readings
            writer.Write(2); // power samples: time and watts each
            foreach (var sample in samples)
            {
                writer.Write(sample.Time.ToBinary());
                writer.Write(sample.Watts);
            }

            writer.Write("job-6");
            writer.Write(T0.AddSeconds(3).ToBinary());
            writer.Write(false); // no previous reading
            writer.Write(0.0);
            writer.Write(0.0);
            writer.Write(0L);
            writer.Write(-1); // power samples not known
        }

        var encoded = NodeStateBinary.Encode([new NodeState("node-0001", T0.AddSeconds(5), window, waiting, [], integrals)]);

        Assert.Equal(Convert.ToHexString(expected.ToArray()), Convert.ToHexString(encoded));
    }

    [Fact]
    public void A_nodes_own_readings_are_written_without_repeating_its_id()
    {
        var window = Enumerable.Range(0, 30).Select(i => Reading("node-0001", i)).ToList();

        var encoded = NodeStateBinary.Encode([new NodeState("node-0001", T0, window, [], [], [])]);

        // Per reading: an empty id (1 byte), the time (8) and five doubles (40).
        Assert.InRange(encoded.Length, 30 * 49, 30 * 49 + 40);
    }

    [Fact]
    public void A_truncated_node_state_is_refused_not_read_as_less_state()
    {
        var encoded = NodeStateBinary.Encode([new NodeState("node-0001", T0, [Reading("node-0001", 0), Reading("node-0001", 1)], [], [], [])]);

        Assert.ThrowsAny<IOException>(() => NodeStateBinary.Decode(encoded[..^9]));
        var wrongVersion = encoded.ToArray();
        wrongVersion[0] = 9;
        Assert.Contains("version 9", Assert.Throws<InvalidDataException>(() => NodeStateBinary.Decode(wrongVersion)).Message);
    }

    [Fact]
    public void A_snapshot_as_json_keeps_its_node_states_binary()
    {
        var state = new NodeState("node-0007", T0, [Reading("node-0007", 0)], [], [], []);
        var snapshot = new PartitionSnapshot("node-readings", 2, 10, new Dictionary<int, long>(), new Dictionary<int, DateTime>(), [state], null, null);

        var json = JsonSerializer.Serialize(snapshot, SnapshotJson.Options);

        Assert.DoesNotContain("CpuTemperatureCelsius", json);
        Assert.Equal(JsonSerializer.Serialize(snapshot.Nodes, PlainJson),
            JsonSerializer.Serialize(JsonSerializer.Deserialize<PartitionSnapshot>(json, SnapshotJson.Options)!.Nodes, PlainJson));
    }

    [Fact]
    public void A_binary_snapshot_round_trips_every_field_and_another_format_is_refused()
    {
        var state = new NodeState("node-0007", T0, [Reading("node-0007", 0), Reading("node-0007", 1)], [Reading("node-0007", 2)], [], []);
        var part = new JobEnergyPart { JobId = "job-9", NodeId = "node-0007", User = "ana", Account = "bio", FinalState = JobState.Failed, StartTime = T0, EndTime = T0.AddSeconds(3), Joules = 1234.5, ReadingCount = 3, NodeCount = 2,
            Power = [new PowerSample { Time = T0, Watts = 410.5 }, new PowerSample { Time = T0.AddSeconds(3), Watts = 399.75 }] };
        var snapshot = new PartitionSnapshot("node-readings", 4, 77, new Dictionary<int, long> { [0] = 12, [2] = 40 },
            new Dictionary<int, DateTime> { [0] = T0, [1] = T0.AddSeconds(1) }, [state], [part], [new JobTableState(1, 99, ["job-9", "job-10"])]);

        var binary = SnapshotCodec.Serialize(snapshot);
        Assert.Equal(3, binary[0]); // uncompressed: the producer compresses it on the wire

        Assert.Equal(JsonSerializer.Serialize(snapshot, PlainJson), JsonSerializer.Serialize(SnapshotCodec.Deserialize(binary), PlainJson));
        Assert.ThrowsAny<IOException>(() => SnapshotCodec.Deserialize(binary[..^12]));
        Assert.Contains("format 9", Assert.Throws<InvalidDataException>(() => SnapshotCodec.Deserialize([9, .. binary[1..]])).Message);
    }

    private static NodeReading Reading(string node, int second) => new()
    {
        NodeId = node, Timestamp = T0.AddSeconds(second), CpuTemperatureCelsius = 55.1 + second / 7.0, GpuTemperatureCelsius = 61.3 - second / 9.0,
        PowerWatts = 380 + second * Math.PI, CpuUtilization = 0.1 * (second % 10), GpuUtilization = 1.0 / (second + 3),
    };

    private static JsonSerializerOptions WithoutConverters(JsonSerializerOptions options)
    {
        var plain = new JsonSerializerOptions(options);
        plain.Converters.Clear();
        return plain;
    }
}
