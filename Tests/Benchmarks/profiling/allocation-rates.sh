#!/usr/bin/env bash
# Allocation, GC and CPU rates of the running application's services, from the runtime's own counters.
#
#   1. Start a pipeline run:
#        dotnet run -c Release --no-build --project Tests/Benchmarks -- pipeline 20000 &
#   2. Once it is measuring (its progress says "(measured)"), in another shell:
#        bash Tests/Benchmarks/profiling/allocation-rates.sh /tmp/rates 30 20000
#
# Records dotnet-counters (System.Runtime) for each service for <seconds>, then prints per service the bytes
# allocated a second and per reading (at the offered <rate>), the share of time paused in GC and the CPU cores.
# Needs dotnet-counters: dotnet tool install -g dotnet-counters
set -eu
out=${1:-/tmp/hpcaspire-rates}
seconds=${2:-30}
rate=${3:?the offered readings/s of the running pipeline, to give bytes per reading}
counters=${DOTNET_COUNTERS:-$HOME/.dotnet/tools/dotnet-counters}
[ -x "$counters" ] || { echo "dotnet-counters not found at $counters: dotnet tool install -g dotnet-counters" >&2; exit 2; }
mkdir -p "$out"

source "$(dirname "$0")/service-pids.sh"
for service in "${services[@]}"; do
  pid=$(running_pid_of "$service")
  echo "recording $service (pid $pid) for $seconds s"
  "$counters" collect -p "$pid" --format csv -o "$out/$service.csv" --duration "$(printf "00:00:%02d:%02d" $((seconds / 60)) $((seconds % 60)))" \
    --counters "System.Runtime[dotnet.gc.heap.total_allocated,dotnet.gc.pause.time,dotnet.process.cpu.time]" > "$out/$service.log" 2>&1 &
done
wait

for service in "${services[@]}"; do
  # Rate rows hold the increment over each second; the first of each counter is dropped (a partial second).
  awk -F, -v service="$service" -v rate="$rate" '
    NR > 1 && $4 == "Rate" {
      name = $3
      if (seen[name]++) { sum[name] += $5; n[name]++ }
    }
    END {
      for (name in sum) {
        mean = sum[name] / n[name]
        if (name ~ /total_allocated/) allocated = mean
        else if (name ~ /pause.time/) paused = mean
        else if (name ~ /cpu.time/) cpu += mean
      }
      printf "%-9s %6.1f MB/s allocated, %5.0f B a reading, %4.1f %% of the time paused in GC, %.2f cores\n",
        service, allocated / 1e6, allocated / rate, 100 * paused, cpu
    }' "$out/$service.csv"
done
