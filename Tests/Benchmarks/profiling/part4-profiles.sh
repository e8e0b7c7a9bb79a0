#!/usr/bin/env bash
# Part 4's CPU profiles: one pipeline run, and in its steady state (after the warm-up, so start-up JIT is not in
# them) perf samples of the generator, processor and sink at once; then per service the folded stacks (the profile
# file, which speedscope opens), a flame graph SVG and the top methods (inclusive and exclusive ms of CPU).
#
#   bash Tests/Benchmarks/profiling/part4-profiles.sh [kafka|rabbitmq] [rate] [seconds] [--quick]
#
# Writes docs/profiles/<application>-<rate>/<service>.folded and top.md, and docs/images/part4-flame-<application>-<service>.svg.
# With TRACE=1 also a dotnet-trace (EventPipe sample profiler) of each service after perf's window, as
# <service>.speedscope.json (needs: dotnet tool install -g dotnet-trace).
# LABEL=<name> profiles one configuration beside the others (docs/profiles/<application>-<rate>-<name>/, images
# part4-flame-<application>-<name>-<service>.svg), EXTRA="--set Key=Value …" passes settings to the pipeline run, e.g.
#   LABEL=traces-100 EXTRA="--set OTEL_TRACES_SAMPLER=parentbased_always_on" bash Tests/Benchmarks/profiling/part4-profiles.sh kafka 10000 20
# Needs the benchmarks built: dotnet build -c Release Tests/Benchmarks. perf: /usr/bin/perf (linux-perf).
set -eu
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
application=${1:-kafka}
rate=${2:-20000}
seconds=${3:-20}
hz=${HZ:-299}
quick=false
[ "${4:-}" = "--quick" ] && quick=true
label=${LABEL:-}
out=${OUT:-docs/profiles/$application-$rate${label:+-$label}}
images=${IMAGES:-docs/images}
here=Tests/Benchmarks/profiling
command -v perf >/dev/null || { echo "perf is not installed: apt-get install -y linux-perf" >&2; exit 2; }
mkdir -p "$out" "$images"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$application" in
  kafka) verb=(pipeline "$rate") ;;
  rabbitmq) verb=(rabbitmq-pipeline 1 "$rate") ;;
  *) echo "application: kafka or rabbitmq" >&2; exit 2 ;;
esac
warmup=20
$quick && warmup=5
# perf maps name the JIT-compiled frames; the services inherit the variables from the AppHost (this process).
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
  dotnet run -c Release --no-build --project Tests/Benchmarks -- "${verb[@]}" --warmup "$warmup" --measured $((seconds + 15)) ${EXTRA:-} \
  > "$work/pipeline.out" 2> "$work/pipeline.err" &
pipeline=$!

# Steady state: the run says "(measured)" once its warm-up is over.
until grep -q "(measured)" "$work/pipeline.err" 2>/dev/null; do
  kill -0 "$pipeline" 2>/dev/null || { echo "the pipeline run ended before measuring:" >&2; cat "$work/pipeline.err" >&2; exit 1; }
  sleep 2
done
echo "$(date -u +%H:%M:%S) steady state; load average $(cut -d' ' -f1-3 /proc/loadavg); sampling for $seconds s at $hz Hz"

source "$here/service-pids.sh"
declare -A pids
for service in "${services[@]}"; do
  pids[$service]=$(running_pid_of "$service")
  perf record -F "$hz" -g -p "${pids[$service]}" -o "$work/$service.perf" -- sleep "$seconds" > "$work/$service.perf.log" 2>&1 &
done
wait $(jobs -p | grep -v "^$pipeline$") 2>/dev/null || true

if [ "${TRACE:-0}" = 1 ]; then
  trace=${DOTNET_TRACE:-$HOME/.dotnet/tools/dotnet-trace}
  for service in "${services[@]}"; do
    "$trace" collect -p "${pids[$service]}" --profile dotnet-sampled-thread-time --duration 00:00:00:10 --format Speedscope \
      -o "$work/$service.nettrace" > "$work/$service.trace.log" 2>&1 &
  done
  wait $(jobs -p | grep -v "^$pipeline$") 2>/dev/null || true
fi
wait "$pipeline" || echo "WARNING: the pipeline run failed or fell behind (see its output below)"
grep -E "FAILED|sustained|CPU cores|WARNING" "$work/pipeline.out" "$work/pipeline.err" | sed 's/^/  /' || true

{
  echo "# CPU profiles, $application at $rate readings/s${label:+, $label${EXTRA:+ ($EXTRA)}}"
  echo
  echo "\`${label:+LABEL=$label }${EXTRA:+EXTRA=\"$EXTRA\" }bash $here/part4-profiles.sh $application $rate $seconds\` on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD):"
  echo "perf record -F $hz -g of each service for $seconds s after a $warmup s warm-up (a sample = $(awk -v hz="$hz" 'BEGIN{printf "%.2f", 1000/hz}') ms of CPU);"
  echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
} > "$out/top.md"
for service in "${services[@]}"; do
  name=$(echo "$service" | tr '[:upper:]' '[:lower:]')
  perf script -i "$work/$service.perf" 2>/dev/null > "$work/$service.script"
  python3 "$here/flamegraph.py" fold "$work/$service.script" "$out/$name.folded"
  python3 "$here/flamegraph.py" svg "$out/$name.folded" "$images/part4-flame-$application${label:+-$label}-$name.svg" \
    "$name ($application${label:+, $label}, $rate readings/s): CPU flame graph, $seconds s of steady state at $hz Hz"
  python3 "$here/flamegraph.py" top-md "$out/$name.folded" "$hz" "$name" 3 >> "$out/top.md"
  echo >> "$out/top.md"
  if [ -f "$work/$service.speedscope.json" ]; then
    cp "$work/$service.speedscope.json" "$out/$name.speedscope.json"
  fi
  echo "$name: $out/$name.folded, $images/part4-flame-$application${label:+-$label}-$name.svg"
done
cat "$out/top.md"
