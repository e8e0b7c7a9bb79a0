#!/usr/bin/env bash
# CPU profiles of the running application's services with Linux perf, JIT-compiled .NET frames named.
#
#   1. Start a pipeline run with perf maps on (they are inherited by every service the AppHost starts):
#        DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
#          dotnet run -c Release --no-build --project Tests/Benchmarks -- pipeline 15000 &
#   2. Once it is measuring (about 40 s later), in another shell:
#        bash Tests/Benchmarks/profiling/profile-services.sh /tmp/profile 20
#
# Writes <out>/<service>.perf (perf record, 199 Hz, call graphs) and two reports per service:
# <service>.self.txt (where the CPU is spent) and <service>.children.txt (which calls it, inclusive).
set -eu
out=${1:-/tmp/hpcaspire-profile}
seconds=${2:-20}
command -v perf >/dev/null || { echo "perf is not installed: apt-get install -y linux-perf" >&2; exit 2; }
mkdir -p "$out"

source "$(dirname "$0")/service-pids.sh"
for service in "${services[@]}"; do
  pid=$(running_pid_of "$service")
  echo "profiling $service (pid $pid) for $seconds s"
  perf record -F 199 -g -p "$pid" -o "$out/$service.perf" -- sleep "$seconds" > "$out/$service.log" 2>&1 &
done
wait

for service in "${services[@]}"; do
  perf report -i "$out/$service.perf" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep '%' | head -60 > "$out/$service.self.txt"
  perf report -i "$out/$service.perf" --children --sort symbol --stdio -g none 2>/dev/null | grep '%' | head -150 > "$out/$service.children.txt"
  perf report -i "$out/$service.perf" --no-children --sort comm --stdio -g none 2>/dev/null | grep '%' | head -12 > "$out/$service.threads.txt"
  echo "$service: $out/$service.self.txt, $out/$service.children.txt, $out/$service.threads.txt"
done
