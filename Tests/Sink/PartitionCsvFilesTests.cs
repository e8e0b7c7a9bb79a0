using System.Text;
using HpcAspire.Domain.Storage;
using HpcAspire.Sink.Storage;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Sink;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PartitionCsvFilesTests : IDisposable
{
    private static readonly string[] Header = ["offset", "text"];
    private static readonly string HeaderLine = CsvFormat.Record(Header);
    private static readonly FileRotation Large = new(1L << 30, TimeSpan.FromHours(1));
    private static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(10);
    private static readonly DateTime DataStart = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly string _directory = Directory.CreateTempSubdirectory("hpcaspire-sink-files-").FullName;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Row(long offset) => CsvFormat.Record([offset.ToString(System.Globalization.CultureInfo.InvariantCulture), $"row {offset}"]);

    // One node's readings, a second apart: offset and data time move together unless a test says otherwise.
    private static ResultIdentity Id(long offset, string key = "node-000") => new(key, DataStart.AddSeconds(offset));

    private PartitionCsvFiles Open(FileRotation? rotation = null) => PartitionCsvFiles.Open(_directory, Header, rotation ?? Large, DuplicateWindow, _clock);

    private List<string> AllLines() => PartitionCsvFiles.DataFiles(_directory)
        .SelectMany(f => File.ReadAllText(f).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)).ToList();

    [Fact]
    public void Rows_are_RFC_4180_records_after_one_header()
    {
        using (var files = Open())
        {
            files.Append(0, Id(0), CsvFormat.Record(["a,b", "say \"hi\"", "two\r\nlines"]));
            files.Checkpoint();
        }

        var file = Assert.Single(PartitionCsvFiles.DataFiles(_directory));
        Assert.Equal(HeaderLine + "\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n", File.ReadAllText(file));
        Assert.StartsWith("000000000000-20260101T000000Z", Path.GetFileName(file), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_would_pass_the_size_limit_is_closed_and_the_next_starts_with_the_header()
    {
        var rowBytes = Encoding.UTF8.GetByteCount(Row(100));
        var limit = Encoding.UTF8.GetByteCount(HeaderLine) + 3 * rowBytes; // three rows of this width per file
        using (var files = Open(new FileRotation(limit, TimeSpan.FromHours(1))))
        {
            for (var offset = 100; offset < 107; offset++)
            {
                files.Append(offset, Id(offset), Row(offset));
            }

            files.Checkpoint();
        }

        var names = PartitionCsvFiles.DataFiles(_directory);
        Assert.Equal(["000000000100", "000000000103", "000000000106"], names.Select(n => Path.GetFileName(n)[..12]));
        Assert.All(names, n => Assert.StartsWith(HeaderLine, File.ReadAllText(n), StringComparison.Ordinal));
        Assert.All(names, n => Assert.True(new FileInfo(n).Length <= limit));
        Assert.Equal(Enumerable.Range(100, 7).Select(o => Row(o).TrimEnd()), AllLines());
    }

    [Fact]
    public void Rows_of_a_new_header_after_a_restart_go_to_a_new_file_not_under_the_old_header()
    {
        using (var files = Open())
        {
            files.Append(0, Id(0), Row(0));
            files.Checkpoint();
        }

        string[] wider = ["offset", "text", "more"];
        using (var files = PartitionCsvFiles.Open(_directory, wider, Large, DuplicateWindow, _clock))
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            files.Append(1, Id(1), CsvFormat.Record(["1", "row 1", "x"]));
            files.Checkpoint();
        }

        var names = PartitionCsvFiles.DataFiles(_directory);
        Assert.Equal(2, names.Count);
        Assert.Equal(HeaderLine + Row(0), File.ReadAllText(names[0]));
        Assert.Equal(CsvFormat.Record(wider) + CsvFormat.Record(["1", "row 1", "x"]), File.ReadAllText(names[1]));
    }

    [Fact]
    public void A_file_older_than_the_age_limit_is_closed_at_the_next_row()
    {
        using (var files = Open(new FileRotation(1L << 30, TimeSpan.FromMinutes(10))))
        {
            files.Append(0, Id(0), Row(0));
            _clock.Advance(TimeSpan.FromMinutes(9));
            files.Append(1, Id(1), Row(1));
            _clock.Advance(TimeSpan.FromMinutes(1));
            files.Append(2, Id(2), Row(2));
            files.Checkpoint();
        }

        var names = PartitionCsvFiles.DataFiles(_directory).Select(Path.GetFileName).ToList();
        Assert.Equal(["000000000000-20260101T000000Z.csv", "000000000002-20260101T001000Z.csv"], names);
        Assert.All(PartitionCsvFiles.DataFiles(_directory), n => Assert.StartsWith(HeaderLine, File.ReadAllText(n), StringComparison.Ordinal));
    }

    [Fact]
    public void The_age_of_a_file_survives_a_restart()
    {
        using (var files = Open(new FileRotation(1L << 30, TimeSpan.FromMinutes(10))))
        {
            files.Append(0, Id(0), Row(0));
            files.Checkpoint();
        }

        _clock.Advance(TimeSpan.FromMinutes(15));
        using (var files = Open(new FileRotation(1L << 30, TimeSpan.FromMinutes(10))))
        {
            files.Append(1, Id(1), Row(1));
            files.Checkpoint();
        }

        Assert.Equal(2, PartitionCsvFiles.DataFiles(_directory).Count);
    }

    [Fact]
    public void After_a_crash_the_files_are_cut_back_to_the_checkpoint_and_the_replay_leaves_one_copy_of_each_row()
    {
        var rotation = new FileRotation(Encoding.UTF8.GetByteCount(HeaderLine) + 4 * Encoding.UTF8.GetByteCount(Row(10)), TimeSpan.FromHours(1));
        using (var files = Open(rotation))
        {
            for (var offset = 10; offset < 16; offset++)
            {
                files.Append(offset, Id(offset), Row(offset));
            }

            Assert.Equal(16, files.Checkpoint()!.NextOffset);
            for (var offset = 16; offset < 22; offset++) // rows never checkpointed, some past a rotation
            {
                files.Append(offset, Id(offset), Row(offset));
            }
        } // disposed without a checkpoint, like a killed process

        var checkpointed = PartitionCsvFiles.DataFiles(_directory)[1];
        File.AppendAllText(checkpointed, "22,row 2"); // and a line the crash cut in half
        Assert.Equal(3, PartitionCsvFiles.DataFiles(_directory).Count);

        using (var files = Open(rotation))
        {
            Assert.Equal(16, files.NextOffset);
            Assert.Equal(Enumerable.Range(10, 6).Select(o => Row(o).TrimEnd()), AllLines());
            Assert.Equal(2, PartitionCsvFiles.DataFiles(_directory).Count);

            // Kafka may redeliver from an older commit: what the checkpoint covers is not written twice.
            for (var offset = 12; offset < 25; offset++)
            {
                files.Append(offset, Id(offset), Row(offset));
            }

            files.Checkpoint();
        }

        Assert.Equal(Enumerable.Range(10, 15).Select(o => Row(o).TrimEnd()), AllLines());
        Assert.All(PartitionCsvFiles.DataFiles(_directory), n => Assert.StartsWith(HeaderLine, File.ReadAllText(n), StringComparison.Ordinal));
    }

    [Fact]
    public void Without_any_checkpoint_a_restart_keeps_nothing_and_lets_Kafka_decide_where_to_start()
    {
        using (var files = Open())
        {
            files.Append(0, Id(0), Row(0));
        }

        using (var files = Open())
        {
            Assert.Null(files.NextOffset);
            Assert.Empty(PartitionCsvFiles.DataFiles(_directory));
        }
    }

    [Fact]
    public void A_skipped_message_moves_the_checkpoint_without_a_row()
    {
        using (var files = Open())
        {
            files.Append(0, Id(0), Row(0));
            files.Skip(1);
            Assert.Equal(2, files.Checkpoint()!.NextOffset);
        }

        using var reopened = Open();
        Assert.Equal(2, reopened.NextOffset);
        Assert.Equal([Row(0).TrimEnd()], AllLines());
    }

    [Fact]
    public void A_result_written_before_and_arriving_again_at_a_later_offset_is_skipped_even_after_a_restart()
    {
        using (var files = Open())
        {
            Assert.True(files.Append(0, Id(0), Row(0)));
            Assert.True(files.Append(1, Id(1), Row(1)));
            Assert.True(files.Append(2, Id(0, "node-001"), Row(2)));

            // A processor's replay: the same results again, after them in the partition.
            Assert.False(files.Append(3, Id(0), Row(0)));
            Assert.False(files.Append(4, Id(1), Row(1)));
            Assert.Equal(5, files.Checkpoint()!.NextOffset);
        }

        using (var files = Open())
        {
            Assert.False(files.Append(5, Id(1), Row(1)));
            Assert.False(files.Append(6, Id(0, "node-001"), Row(2)));
            Assert.True(files.Append(7, Id(2), Row(7)));
            Assert.Equal(8, files.Checkpoint()!.NextOffset);
        }

        Assert.Equal([Row(0).TrimEnd(), Row(1).TrimEnd(), Row(2).TrimEnd(), Row(7).TrimEnd()], AllLines());
    }

    [Fact]
    public void A_key_quiet_for_longer_than_the_duplicate_window_is_forgotten_at_the_next_checkpoint()
    {
        using var files = Open();
        files.Append(0, Id(0, "job-1"), Row(0));
        files.Append(1, Id(1, "job-2"), Row(1));
        var later = (long)DuplicateWindow.TotalSeconds + 1; // job-1 falls just outside the window, job-2 just inside
        files.Append(2, Id(later, "job-3"), Row(2));

        var written = files.Checkpoint()!.Written!;
        Assert.Equal(["job-2", "job-3"], written.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(DataStart.AddSeconds(later), written["job-3"]);
    }
}
