#!/usr/bin/env bash
# Every Part 4 table, profile and picture of docs/part4-profiling.md, regenerated against running pipelines:
#
#   bash Tests/Benchmarks/profiling/part4.sh            # everything (about 2 hours on two cores)
#   RUNS=10 EXPERIMENT_RUNS=3 BONUS_RUNS=2 EXPERIMENT_RATE=10000 bash Tests/Benchmarks/profiling/part4.sh
#   STEPS="profiles figures" bash Tests/Benchmarks/profiling/part4.sh   # some steps only: loops experiments bonus profiles figures
#
# loops:       the loop time of each service, both applications at 1,000 and 20,000 readings/s, RUNS runs each
# experiments: one change each against a control, the Kafka application at EXPERIMENT_RATE (10,000/s), EXPERIMENT_RUNS rounds
# bonus:       a bottleneck produced (the sink checkpointing every row) and one mitigated (longer processor transactions), BONUS_RUNS rounds
# profiles:    perf flame graphs and top methods of each service, both applications at 20,000/s (part4-profiles.sh), and of
#              the Kafka application's control, each experiment and both Bonus 4 settings at EXPERIMENT_RATE
# figures:     the loop-time table (docs/results/part4/loop-times.md) and every plot (the figures verb)
# Rows are appended to docs/results/part4/loop-times.csv and call-counts.csv; remove them first for a fresh set.
set -eu
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
runs=${RUNS:-10}
experiment_runs=${EXPERIMENT_RUNS:-3}
bonus_runs=${BONUS_RUNS:-2}
experiment_rate=${EXPERIMENT_RATE:-10000}
steps=" ${STEPS:-loops experiments bonus profiles figures} "
results=docs/results/part4
dotnet build -c Release Tests/Benchmarks > /dev/null
bench() { dotnet run -c Release --no-build --project Tests/Benchmarks -- "$@"; }
step() { case "$steps" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

if step loops; then
  bench profile both 1000 20000 --runs "$runs"
fi
# Experiments and the bonus run in rounds, each round every setting once, so that a change of the machine's load
# (two cores shared with other work) falls on all of them alike; "control" is the baseline's settings in the same rounds.
if step experiments; then
  for round in $(seq "$experiment_runs"); do
    bench profile kafka "$experiment_rate" --runs 1 --experiment "control"
    bench profile kafka "$experiment_rate" --runs 1 --experiment "traces 100 %" --set OTEL_TRACES_SAMPLER=parentbased_always_on
    bench profile kafka "$experiment_rate" --runs 1 --experiment "Server GC" --env DOTNET_gcServer=1
    # Every message's stages timed: the call counts of the instrumented methods (call-counts.csv) are exact.
    bench profile kafka "$experiment_rate" --runs 1 --experiment "every message timed" --env Messaging__StageTimingEvery=1
  done
fi
if step bonus; then
  for round in $(seq "$bonus_runs"); do
    bench profile kafka "$experiment_rate" --runs 1 --experiment "bottleneck: sink checkpoint every row" --set Sink:BatchSize=1
    bench profile kafka "$experiment_rate" --runs 1 --experiment "mitigation: 200 ms transactions" --set Processor:BatchMilliseconds=200
  done
fi
if step profiles; then
  bash Tests/Benchmarks/profiling/part4-profiles.sh kafka 20000 20
  bash Tests/Benchmarks/profiling/part4-profiles.sh rabbitmq 20000 20
  # What moved in the profile: the experiments' control, traces at 100 % and Bonus 4's bottleneck, at their rate.
  LABEL=control EXTRA="--lead 30" bash Tests/Benchmarks/profiling/part4-profiles.sh kafka "$experiment_rate" 20
  LABEL=traces-100 EXTRA="--lead 30 --set OTEL_TRACES_SAMPLER=parentbased_always_on" bash Tests/Benchmarks/profiling/part4-profiles.sh kafka "$experiment_rate" 20
  LABEL=sink-per-row EXTRA="--lead 30 --set Sink:BatchSize=1" bash Tests/Benchmarks/profiling/part4-profiles.sh kafka "$experiment_rate" 20
  LABEL=transactions-200 EXTRA="--lead 30 --set Processor:BatchMilliseconds=200" bash Tests/Benchmarks/profiling/part4-profiles.sh kafka "$experiment_rate" 20
  # Environment variables reach the services through the AppHost (the benchmark process, which then has them too).
  LABEL=server-gc EXTRA="--lead 30" DOTNET_gcServer=1 bash Tests/Benchmarks/profiling/part4-profiles.sh kafka "$experiment_rate" 20
  LABEL=every-message-timed EXTRA="--lead 30" Messaging__StageTimingEvery=1 bash Tests/Benchmarks/profiling/part4-profiles.sh kafka "$experiment_rate" 20
fi
if step figures; then
  bench profile table > "$results/loop-times.md"
  bench profile counts > "$results/call-counts.md"
  bench figures
fi
