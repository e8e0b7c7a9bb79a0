using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Writes the pipeline's latency histograms (meter <c>HpcAspire.Pipeline</c>) to a file once a second, when
/// <c>HPCASPIRE_METRICS_DIRECTORY</c> names a folder: every measurement, not a sample of an exporter's buckets, in
/// log-spaced buckets 2 % wide, cumulative since the service started. A benchmark reads the files of every
/// service at two moments and subtracts, so it sees the services' own end-to-end and stage timings at
/// millisecond resolution without polling the CSV files. Off (no listener at all) unless the setting is given.
/// </summary>
public sealed class HistogramFile : BackgroundService
{
    public const string DirectorySetting = "HPCASPIRE_METRICS_DIRECTORY";
    public const string MeterName = "HpcAspire.Pipeline";

    /// <summary>Bucket <c>i</c> holds values up to <c>MinimumMilliseconds × Growth^i</c>.</summary>
    public const double MinimumMilliseconds = 0.01;

    public const double Growth = 1.02;
    private const int Buckets = 1_000; // up to 0.01 ms × 1.02^1000 ≈ 4,000 s

    private readonly ConcurrentDictionary<string, long[]> _histograms = new();
    private readonly string _path;
    private readonly MeterListener _listener = new();

    public HistogramFile(string directory, string service)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, $"{service}.{Environment.ProcessId}.csv");
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument is Histogram<double>)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>The bucket a value in seconds falls in.</summary>
    public static int BucketOf(double seconds)
    {
        var milliseconds = seconds * 1_000;
        return milliseconds <= MinimumMilliseconds ? 0 : Math.Min(Buckets - 1, (int)Math.Ceiling(Math.Log(milliseconds / MinimumMilliseconds) / Math.Log(Growth)));
    }

    /// <summary>The upper bound, in milliseconds, of bucket <paramref name="bucket"/>.</summary>
    public static double UpperMilliseconds(int bucket) => MinimumMilliseconds * Math.Pow(Growth, bucket);

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string stage = "", destination = "";
        foreach (var tag in tags)
        {
            if (tag.Key == "hpcaspire.stage")
            {
                stage = tag.Value as string ?? "";
            }
            else if (tag.Key == "messaging.destination.name")
            {
                destination = tag.Value as string ?? "";
            }
        }

        var counts = _histograms.GetOrAdd($"{instrument.Name},{stage},{destination}", _ => new long[Buckets]);
        Interlocked.Increment(ref counts[BucketOf(value)]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                lock (_histograms)
                {
                    Write();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: StopAsync writes the last file.
        }
    }

    /// <summary>
    /// Writes the last file once the loop has ended, here rather than in <see cref="ExecuteAsync"/>: a service stopped
    /// before the loop's first turn (.NET runs it on the thread pool) would otherwise leave no file at all.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        lock (_histograms)
        {
            Write();
        }
    }

    private void Write()
    {
        // instrument,stage,destination,bucket,count: only the buckets with values; temp file and rename, so a reader
        // never sees half a file.
        var text = new StringBuilder("instrument,stage,destination,bucket,count\n");
        foreach (var (key, counts) in _histograms)
        {
            for (var bucket = 0; bucket < counts.Length; bucket++)
            {
                var count = Interlocked.Read(ref counts[bucket]);
                if (count > 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{key},{bucket},{count}\n");
                }
            }
        }

        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, _path, overwrite: true);
    }

    public override void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }
}

public static class HistogramFileExtensions
{
    /// <summary>Adds <see cref="HistogramFile"/> when <c>HPCASPIRE_METRICS_DIRECTORY</c> is set.</summary>
    public static TBuilder AddHistogramFile<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Configuration[HistogramFile.DirectorySetting] is { Length: > 0 } directory)
        {
            var service = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : builder.Environment.ApplicationName;
            builder.Services.AddHostedService(_ => new HistogramFile(directory, service));
        }

        return builder;
    }
}
