// P/Invoke surface for librdkafka's built-in mock cluster (rdkafka_mock.h, librdkafka 2.16).
// The mock API is an EXPERIMENTAL public API without ABI guarantees: pin librdkafka.redist.
//
// Bound through NativeLibrary.GetExport + unmanaged function pointers instead of [DllImport] so that no
// DllImportResolver has to be registered (only one resolver is allowed per assembly and the host app
// may already own it) and so that the exact same .so file Confluent.Kafka uses is picked.
using System.Runtime.InteropServices;

namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

internal static unsafe class LibrdkafkaMockNative
{
    public const int RD_KAFKA_PRODUCER = 0;
    public const int RD_KAFKA_CONF_OK = 0;

    /// <summary>Handle of the loaded librdkafka (same file Confluent.Kafka loads where possible).</summary>
    public static readonly nint Library = LoadLibrdkafka();

    // ---- core client API (rdkafka.h) ----
#pragma warning disable IDE1006 // each field is named as the librdkafka C export it binds (Export("..."))
    // rd_kafka_conf_t *rd_kafka_conf_new(void)
    public static readonly delegate* unmanaged[Cdecl]<nint> rd_kafka_conf_new =
        (delegate* unmanaged[Cdecl]<nint>)Export("rd_kafka_conf_new");
    // rd_kafka_conf_res_t rd_kafka_conf_set(conf, const char *name, const char *value, char *errstr, size_t errstr_size)
    //   0 = OK, -1 = unknown property, -2 = invalid value.
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int> rd_kafka_conf_set =
        (delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int>)Export("rd_kafka_conf_set");
    // void rd_kafka_conf_destroy(conf) — only needed when rd_kafka_new() failed (on success rk owns conf).
    public static readonly delegate* unmanaged[Cdecl]<nint, void> rd_kafka_conf_destroy =
        (delegate* unmanaged[Cdecl]<nint, void>)Export("rd_kafka_conf_destroy");
    // void rd_kafka_conf_set_log_cb(conf, void (*log_cb)(const rd_kafka_t *rk, int level, const char *fac, const char *buf))
    //   The callback runs on librdkafka's internal threads (incl. the "rdk:mock" thread).
    public static readonly delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, void>, void> rd_kafka_conf_set_log_cb =
        (delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, void>, void>)Export("rd_kafka_conf_set_log_cb");
    // rd_kafka_t *rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size)
    //   Returns NULL on failure (errstr filled, conf still owned by caller).
    public static readonly delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint> rd_kafka_new =
        (delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint>)Export("rd_kafka_new");
    // void rd_kafka_destroy(rk) — must be called AFTER rd_kafka_mock_cluster_destroy.
    public static readonly delegate* unmanaged[Cdecl]<nint, void> rd_kafka_destroy =
        (delegate* unmanaged[Cdecl]<nint, void>)Export("rd_kafka_destroy");
    // const char *rd_kafka_err2name(rd_kafka_resp_err_t err) — static string, do not free.
    public static readonly delegate* unmanaged[Cdecl]<int, byte*> rd_kafka_err2name =
        (delegate* unmanaged[Cdecl]<int, byte*>)Export("rd_kafka_err2name");

    // ---- mock API (rdkafka_mock.h) ----
    // rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt)
    //   Brokers get ids 1..broker_cnt, each listening on 127.0.0.1:<kernel-chosen port>. Starts the "rdk:mock"
    //   thread. rk is only used for bookkeeping/logging. Returns NULL on failure.
    public static readonly delegate* unmanaged[Cdecl]<nint, int, nint> rd_kafka_mock_cluster_new =
        (delegate* unmanaged[Cdecl]<nint, int, nint>)Export("rd_kafka_mock_cluster_new");
    // void rd_kafka_mock_cluster_destroy(mcluster) — stops the mock thread, closes all sockets, frees everything.
    public static readonly delegate* unmanaged[Cdecl]<nint, void> rd_kafka_mock_cluster_destroy =
        (delegate* unmanaged[Cdecl]<nint, void>)Export("rd_kafka_mock_cluster_destroy");
    // const char *rd_kafka_mock_cluster_bootstraps(mcluster) — "127.0.0.1:p1,127.0.0.1:p2,..." in broker-id order;
    //   owned by the cluster (copy it).
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*> rd_kafka_mock_cluster_bootstraps =
        (delegate* unmanaged[Cdecl]<nint, byte*>)Export("rd_kafka_mock_cluster_bootstraps");
    // rd_kafka_resp_err_t rd_kafka_mock_topic_create(mcluster, const char *topic, int partition_cnt, int replication_factor)
    //   TOPIC_ALREADY_EXISTS (36) if the topic exists. Replicas = min(rf, brokers) consecutive brokers starting at
    //   index (partition*rf) % brokers; leader = RANDOM replica.
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, int, int, int> rd_kafka_mock_topic_create =
        (delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)Export("rd_kafka_mock_topic_create");
    // rd_kafka_resp_err_t rd_kafka_mock_partition_set_leader(mcluster, topic, int32 partition, int32 broker_id)
    //   broker_id must exist (else BROKER_NOT_AVAILABLE 8) or be -1 (leader-less). Bumps the leader epoch.
    //   Auto-creates the topic (partition+1 partitions, default rf) if missing; UNKNOWN_TOPIC_OR_PART (3) if the
    //   topic exists and partition is out of range.
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, int, int, int> rd_kafka_mock_partition_set_leader =
        (delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)Export("rd_kafka_mock_partition_set_leader");
    // rd_kafka_resp_err_t rd_kafka_mock_partition_delete_records(mcluster, topic, int32 partition, int64 before_offset)
    //   Removes every message set that ends before before_offset and moves the log start offset to it (the DeleteRecords
    //   a broker would run). UNKNOWN_TOPIC_OR_PART (3) for an unknown partition, OFFSET_OUT_OF_RANGE (1) past the end.
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, int, long, int> rd_kafka_mock_partition_delete_records =
        (delegate* unmanaged[Cdecl]<nint, byte*, int, long, int>)Export("rd_kafka_mock_partition_delete_records");
    // rd_kafka_resp_err_t rd_kafka_mock_broker_set_down(mcluster, int32 broker_id /* -1 = all */)
    //   Closes all connections and stops accepting (connect => ECONNREFUSED). Does NOT move leaders/coordinators.
    //   The port is kept (socket re-bound immediately), so set_up restores the same address.
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> rd_kafka_mock_broker_set_down =
        (delegate* unmanaged[Cdecl]<nint, int, int>)Export("rd_kafka_mock_broker_set_down");
    // rd_kafka_resp_err_t rd_kafka_mock_broker_set_up(mcluster, int32 broker_id /* -1 = all */)
    public static readonly delegate* unmanaged[Cdecl]<nint, int, int> rd_kafka_mock_broker_set_up =
        (delegate* unmanaged[Cdecl]<nint, int, int>)Export("rd_kafka_mock_broker_set_up");
    // void rd_kafka_mock_broker_set_host_port(mcluster, broker_id, const char *host, int port)
    //   Changes only the ADVERTISED host:port in Metadata responses; the listener is not re-bound.
    public static readonly delegate* unmanaged[Cdecl]<nint, int, byte*, int, void> rd_kafka_mock_broker_set_host_port =
        (delegate* unmanaged[Cdecl]<nint, int, byte*, int, void>)Export("rd_kafka_mock_broker_set_host_port");
    // rd_kafka_resp_err_t rd_kafka_mock_coordinator_set(mcluster, const char *key_type /* "group"|"transaction" */,
    //   const char *key, int32 broker_id) — explicit coordinator override (broker need not exist);
    //   __INVALID_ARG (-186) for an unknown key_type. Default: brokers[crc32(key) % broker_cnt].
    public static readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, int, int> rd_kafka_mock_coordinator_set =
        (delegate* unmanaged[Cdecl]<nint, byte*, byte*, int, int>)Export("rd_kafka_mock_coordinator_set");
    // void rd_kafka_mock_group_initial_rebalance_delay_ms(mcluster, int32 delay_ms) — default 3000 ms in the mock.
    public static readonly delegate* unmanaged[Cdecl]<nint, int, void> rd_kafka_mock_group_initial_rebalance_delay_ms =
        (delegate* unmanaged[Cdecl]<nint, int, void>)Export("rd_kafka_mock_group_initial_rebalance_delay_ms");
#pragma warning restore IDE1006

    // int fcntl(int fd, int cmd, int arg) — used to set FD_CLOEXEC on the mock's accepted sockets.
    [DllImport("libc", SetLastError = true)]
    public static extern int fcntl(int fd, int cmd, int arg);
    public const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;

    private static nint Export(string name) => NativeLibrary.GetExport(Library, name);

    private static nint LoadLibrdkafka()
    {
        // Let Confluent.Kafka pick and load its build first (librdkafka.so, else centos8-/alpine-), then reuse
        // that very file, so a single librdkafka copy lives in the process.
        try { Confluent.Kafka.Library.Load(); } catch (DllNotFoundException) { }
        var mapped = MappedLibrdkafka();

        var rid = $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        var dirs = new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"), AppContext.BaseDirectory };
        var names = File.Exists("/etc/alpine-release")
            ? new[] { "alpine-librdkafka.so", "librdkafka.so" }
            : new[] { "librdkafka.so", "centos8-librdkafka.so" };   // librdkafka.so needs libsasl2.so.3
        var candidates = (mapped is null ? [] : new[] { mapped })
            .Concat(dirs.SelectMany(d => names.Select(n => Path.Combine(d, n))));

        var errors = new List<string>();
        foreach (var path in candidates.Where(File.Exists))
        {
            try { return NativeLibrary.Load(path); }
            catch (DllNotFoundException e) { errors.Add($"{path}: {e.Message}"); }
        }
        if (NativeLibrary.TryLoad("librdkafka", typeof(LibrdkafkaMockNative).Assembly, null, out var any))
        { return any; }
        throw new DllNotFoundException("librdkafka could not be loaded: " + string.Join("; ", errors));
    }

    private static string? MappedLibrdkafka()
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).EndsWith("librdkafka.so", StringComparison.Ordinal))
                .Select(f => f[5]).FirstOrDefault();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public static string? Utf8(byte* p) => p == null ? null : Marshal.PtrToStringUTF8((nint)p);
    public static string ErrName(int err) => Utf8(rd_kafka_err2name(err)) ?? err.ToString();
}
