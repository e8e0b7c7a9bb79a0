using System.Globalization;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Domain.Simulation;
using HpcAspire.Domain.Storage;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Domain;

[Trait(TestKinds.Trait, TestKinds.Unit)]
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
            Assert.Equal("1234.50", CsvFormat.Fixed(1234.5, CsvFormat.WattDecimals));
            Assert.Equal("0.100", CsvFormat.Fixed(0.1, CsvFormat.FractionDecimals));
            Assert.Equal("1234567", CsvFormat.Number(1_234_567));
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
        Assert.Equal("812.50", readingRow[Array.IndexOf(ResultRows.EnrichedReadingHeader, "power_w")]);
        Assert.Equal("0.33", readingRow[Array.IndexOf(ResultRows.EnrichedReadingHeader, "mean_power_w")]);
        Assert.Equal("30", readingRow[Array.IndexOf(ResultRows.EnrichedReadingHeader, "window_samples")]);
        Assert.Equal("CpuOverheating;PowerSpike", readingRow[^1]);
        Assert.Equal("1.2500000", energyRow[Array.IndexOf(ResultRows.JobEnergyHeader, "energy_kwh")]);
        Assert.Equal("", energyRow[Array.IndexOf(ResultRows.JobEnergyHeader, "peak_job_power_w")]); // not known: empty, not 0
        Assert.Equal("Completed", energyRow[Array.IndexOf(ResultRows.JobEnergyHeader, "final_state")]);
    }

    [Fact]
    public void Each_unit_is_rounded_to_its_own_decimals_to_nearest_and_zero_has_no_sign()
    {
        var line = new CsvLine();
        string Row(Func<CsvLine, CsvLine> write) => write(line).End()[..^CsvFormat.LineEnd.Length];

        Assert.Equal("0.45", Row(l => l.Watts(0.45000000000000284))); // a rolling standard deviation
        Assert.Equal("1389.82", Row(l => l.Watts(1389.8235)));
        Assert.Equal("812.50", Row(l => l.Watts(812.5)));
        Assert.Equal("71.46", Row(l => l.Celsius(71.456)));
        Assert.Equal("0.923", Row(l => l.Fraction(0.9234)));
        Assert.Equal("0.1883912", Row(l => l.KilowattHours(0.18839118055555557)));
        Assert.Equal("0.0008333", Row(l => l.KilowattHours(300.0 * 10 / JobEnergyAssembler.JoulesPerKilowattHour))); // 10 s on one node at 300 W
        Assert.Equal("0.12", Row(l => l.Watts(0.125))); // exactly half: to the even digit
        Assert.Equal("0.38", Row(l => l.Watts(0.375)));
        Assert.Equal("-0.12", Row(l => l.Watts(-0.125)));
        Assert.Equal("2.67", Row(l => l.Watts(2.675))); // 2.67499999999999982236431605997495353221893310546875
        Assert.Equal("0.00", Row(l => l.Watts(-0.001)));
        Assert.Equal("0.00", Row(l => l.Watts(-0.0)));
        Assert.Equal("", Row(l => l.Watts((double?)null)));
    }

    [Fact]
    public void Every_number_in_both_files_has_the_decimals_of_its_columns_unit()
    {
        var expected = new ExpectedResults(new ClusterOptions { NodeCount = 8, Seed = 11, AnomalyRate = 0.01 }, 900);
        Assert.NotEmpty(expected.Energies);

        AssertDecimals(ResultRows.EnrichedReadingHeader, expected.Readings.Select(ResultRows.Record));
        AssertDecimals(ResultRows.JobEnergyHeader, expected.Energies.Select(ResultRows.Record));
    }

    // A column's unit is its name's suffix; every column is text, a time, a count or a number of a known unit.
    private static void AssertDecimals(string[] header, IEnumerable<string> records)
    {
        string[] text = ["node_id", "job_id", "user", "account", "final_state", "anomalies"];
        string[] times = ["timestamp", "start_time", "end_time"];
        string[] counts = ["node_count", "reading_count", "window_samples"];
        var patterns = header.Select(column =>
            text.Contains(column) || times.Contains(column) ? null
            : counts.Contains(column) ? "^[0-9]+$"
            : column.EndsWith("_w", StringComparison.Ordinal) ? $@"^-?[0-9]+\.[0-9]{{{CsvFormat.WattDecimals}}}$"
            : column.EndsWith("_c", StringComparison.Ordinal) ? $@"^-?[0-9]+\.[0-9]{{{CsvFormat.CelsiusDecimals}}}$"
            : column.EndsWith("_util", StringComparison.Ordinal) ? $@"^[0-9]+\.[0-9]{{{CsvFormat.FractionDecimals}}}$"
            : column.EndsWith("_kwh", StringComparison.Ordinal) ? $@"^[0-9]+\.[0-9]{{{CsvFormat.KilowattHourDecimals}}}$"
            : throw new Xunit.Sdk.XunitException($"Column {column} has no unit this test knows")).ToList();

        foreach (var record in records)
        {
            var fields = Fields(record);
            for (var i = 0; i < header.Length; i++)
            {
                if (patterns[i] is { } pattern)
                {
                    Assert.True(System.Text.RegularExpressions.Regex.IsMatch(fields[i], pattern), $"{header[i]} is {fields[i]}: not {pattern}");
                }
            }
        }
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

            var built = line.Field(text).Watts(number).Number(count).Timestamp(time).Field(text).End();

            // .NET's own fixed-point text, but a zero never signed.
            var watts = number.ToString("F2", CultureInfo.InvariantCulture) is var f && f == "-0.00" ? "0.00" : f;
            Assert.Equal(CsvFormat.Record([text, watts, count.ToString(CultureInfo.InvariantCulture), CsvFormat.Timestamp(time), text]), built);
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
