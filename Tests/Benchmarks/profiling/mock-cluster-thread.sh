#!/usr/bin/env bash
# Where the embedded Kafka cluster's time goes: a perf profile of librdkafka's mock-cluster thread (`rdk:mock`, every
# broker of the embedded cluster in one thread of the benchmark's process) while a pipeline run is measuring.
#
#   bash Tests/Benchmarks/profiling/mock-cluster-thread.sh [rate] [seconds] [out]      # e.g. 20000 20 docs/results/pipeline
#
# Starts `pipeline <rate>`, waits until its measured window has begun (75 s), records the thread for <seconds> at
# 499 Hz, and writes <out>/mock-cluster-thread-<rate>.txt: the thread's top functions, self time. The run's own
# console goes to <out>/mock-cluster-thread-<rate>.console.txt.
set -eu
rate=${1:-20000}
seconds=${2:-20}
out=${3:-/tmp/hpcaspire-mock-profile}
command -v perf >/dev/null || { echo "perf is not installed: apt-get install -y linux-perf" >&2; exit 2; }
cd "$(dirname "$0")/../../.."
mkdir -p "$out"
console="$out/mock-cluster-thread-$rate.console.txt"
perf_data="${TMPDIR:-/tmp}/mock-cluster-thread-$rate.perf" # the samples stay out of the results folder
dotnet run -c Release --no-build --project Tests/Benchmarks -- pipeline "$rate" > "$console" 2>&1 &
run=$!
sleep 75
pid=$(pgrep -f "HpcAspire.Benchmarks pipeline $rate" | head -1)
tid=$(ps -L -o tid=,comm= -p "$pid" | awk '$2 == "rdk:mock" { print $1; exit }')
[ -n "$tid" ] || { echo "no rdk:mock thread in process $pid: is the run in embedded mode?" >&2; kill "$run"; exit 1; }
echo "profiling rdk:mock (thread $tid of $pid) for $seconds s at $rate readings/s"
perf record -F 499 -g -t "$tid" -o "$perf_data" -- sleep "$seconds" > /dev/null 2>&1
{
  echo "# rdk:mock, $seconds s of pipeline $rate, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
  perf report -i "$perf_data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep '%' | head -25
} > "$out/mock-cluster-thread-$rate.txt"
wait "$run" || true
cat "$out/mock-cluster-thread-$rate.txt"
