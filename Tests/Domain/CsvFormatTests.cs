using System.Globalization;
using HpcAspire.Contracts;
using HpcAspire.Domain.Storage;

namespace HpcAspire.Tests.Domain;

public class CsvFormatTests
{
    [Fact]
    public void Fields_are_quoted_only_when_RFC_4180_requires_it_and_records_end_in_CRLF()
    {
        var record = CsvFormat.Record(["plain", "with,comma", "say \"hi\"", "two\nlines", null, ""]);

        Assert.Equal("plain,\"with,comma\",\"say \"\"hi\"\"\",\"two\nlines\",,\r\n", record);
    }

    [Fact]
    public void Numbers_and_times_do_not_depend_on_the_machines_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal("1234.5", CsvFormat.Number(1234.5));
            Assert.Equal("0.1", CsvFormat.Number(0.1));
            Assert.Equal("2026-11-25T13:04:05.678Z", CsvFormat.Timestamp(new DateTime(2026, 11, 25, 13, 4, 5, 678, DateTimeKind.Utc)));
            Assert.Equal("0001-01-01T00:00:00.000Z", CsvFormat.Timestamp(DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)));
            Assert.Equal("9999-12-31T23:59:59.999Z", CsvFormat.Timestamp(DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)));
            Assert.Equal("2026-03-01T07:00:00.000Z", CsvFormat.Timestamp(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(1)).UtcDateTime));
            var random = new Random(3);
            for (var i = 0; i < 1_000; i++)
            {
                var time = DateTime.UnixEpoch.AddTicks((long)(random.NextDouble() * 100 * TimeSpan.TicksPerDay * 365));
                Assert.Equal(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), CsvFormat.Timestamp(time));
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Each_result_record_has_one_field_per_header_column()
    {
        var enriched = new EnrichedReading
        {
            Reading = new NodeReading { NodeId = "node-001", Timestamp = DateTime.UnixEpoch, PowerWatts = 812.5 },
            Statistics = new RollingStatistics { SampleCount = 30, MeanPowerWatts = 1.0 / 3 },
            JobId = "job-000001", User = "ada", Account = "climate-lab",
            Anomalies = [AnomalyKind.CpuOverheating, AnomalyKind.PowerSpike],
        };
        var energy = new JobEnergy { JobId = "job-000001", User = "ada", Account = "climate-lab", FinalState = JobState.Completed, EnergyKilowattHours = 1.25 };

        var readingRow = Fields(ResultRows.Record(enriched));
        var energyRow = Fields(ResultRows.Record(energy));

        Assert.Equal(ResultRows.EnrichedReadingHeader.Length, readingRow.Length);
        Assert.Equal(ResultRows.JobEnergyHeader.Length, energyRow.Length);
        Assert.Equal("1970-01-01T00:00:00.000Z", readingRow[0]);
        Assert.Equal("812.5", readingRow[Array.IndexOf(ResultRows.EnrichedReadingHeader, "power_w")]);
        Assert.Equal("0.3333333333333333", readingRow[Array.IndexOf(ResultRows.EnrichedReadingHeader, "mean_power_w")]);
        Assert.Equal("30", readingRow[Array.IndexOf(ResultRows.EnrichedReadingHeader, "window_samples")]);
        Assert.Equal("CpuOverheating;PowerSpike", readingRow[^1]);
        Assert.Equal("1.25", energyRow[Array.IndexOf(ResultRows.JobEnergyHeader, "energy_kwh")]);
        Assert.Equal("Completed", energyRow[Array.IndexOf(ResultRows.JobEnergyHeader, "final_state")]);
    }

    [Fact]
    public void A_line_built_in_place_equals_the_record_of_its_fields_as_text()
    {
        var random = new Random(11);
        var line = new CsvLine();
        string[] awkward = ["", "plain", "a,b", "say \"hi\"", "two\r\nlines", "ünïcode"];
        for (var i = 0; i < 2_000; i++)
        {
            var text = awkward[random.Next(awkward.Length)];
            var number = random.Next(4) switch
            {
                0 => random.NextDouble() * 1_000,
                1 => BitConverter.Int64BitsToDouble(random.NextInt64()), // any double, NaN and infinities included
                2 => Math.Round(random.NextDouble() * 100, 1),
                _ => -random.NextDouble() * 1e-300,
            };
            var count = random.NextInt64(long.MinValue, long.MaxValue);
            var time = DateTime.UnixEpoch.AddTicks((long)(random.NextDouble() * 100 * TimeSpan.TicksPerDay * 365));

            var built = line.Field(text).Number(number).Number(count).Timestamp(time).Field(text).End();

            Assert.Equal(CsvFormat.Record([text, CsvFormat.Number(number), CsvFormat.Number(count), CsvFormat.Timestamp(time), text]), built);
        }

        Assert.Equal(",a\r\n", CsvFormat.Record(["", "a"])); // an empty first field still has its separator
    }

    [Fact]
    public void A_record_abandoned_half_way_does_not_start_the_next_one()
    {
        var broken = new EnrichedReading { Reading = new NodeReading { NodeId = "node-001", Timestamp = DateTime.UnixEpoch }, Statistics = null! };
        Assert.Throws<NullReferenceException>(() => ResultRows.Record(broken));

        var energy = new JobEnergy { JobId = "job-000002", User = "ada", Account = "climate-lab", FinalState = JobState.Failed };
        Assert.StartsWith("job-000002,ada,climate-lab,Failed,", ResultRows.Record(energy));
    }

    private static string[] Fields(string record) => record[..^CsvFormat.LineEnd.Length].Split(',');
}
