#!/usr/bin/env bash
# Every Part 4 table, profile and picture of docs/part4-profiling.md, regenerated against running pipelines:
#
#   bash Tests/Benchmarks/profiling/part4.sh            # everything (about 2 hours on two cores)
#   RUNS=10 EXPERIMENT_RUNS=3 bash Tests/Benchmarks/profiling/part4.sh
#   STEPS="profiles figures" bash Tests/Benchmarks/profiling/part4.sh   # some steps only: loops experiments bonus profiles figures
#
# loops:       the loop time of each service, both applications at 1,000 and 20,000 readings/s, RUNS runs each
# experiments: one change each against that baseline, the Kafka application at 20,000/s, EXPERIMENT_RUNS runs each
# bonus:       a bottleneck produced (the sink checkpointing every row) and one mitigated (longer processor transactions)
# profiles:    perf flame graphs and top methods of each service, both applications at 20,000/s (part4-profiles.sh)
# figures:     the loop-time table (docs/results/part4/loop-times.md) and every plot (the figures verb)
# Rows are appended to docs/results/part4/loop-times.csv and call-counts.csv; remove them first for a fresh set.
set -eu
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
runs=${RUNS:-10}
experiment_runs=${EXPERIMENT_RUNS:-3}
steps=" ${STEPS:-loops experiments bonus profiles figures} "
results=docs/results/part4
dotnet build -c Release Tests/Benchmarks > /dev/null
bench() { dotnet run -c Release --no-build --project Tests/Benchmarks -- "$@"; }
step() { case "$steps" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

if step loops; then
  bench profile both 1000 20000 --runs "$runs"
fi
if step experiments; then
  bench profile kafka 20000 --runs "$experiment_runs" --experiment "traces 100 %" --set OTEL_TRACES_SAMPLER=parentbased_always_on
  bench profile kafka 20000 --runs "$experiment_runs" --experiment "Server GC" --env DOTNET_gcServer=1
  # Every message's stages timed: the call counts of the instrumented methods (call-counts.csv) are exact.
  bench profile kafka 20000 --runs "$experiment_runs" --experiment "every message timed" --env Messaging__StageTimingEvery=1
fi
if step bonus; then
  bench profile kafka 1000 --runs "$experiment_runs" --experiment "bottleneck: sink checkpoint every row" --set Sink:BatchSize=1
  bench profile kafka 20000 --runs "$experiment_runs" --experiment "mitigation: 200 ms transactions" --set Processor:BatchMilliseconds=200
fi
if step profiles; then
  bash Tests/Benchmarks/profiling/part4-profiles.sh kafka 20000 20
  bash Tests/Benchmarks/profiling/part4-profiles.sh rabbitmq 20000 20
fi
if step figures; then
  bench profile table > "$results/loop-times.md"
  bench figures
fi
