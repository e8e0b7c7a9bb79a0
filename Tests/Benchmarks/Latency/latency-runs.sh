#!/usr/bin/env bash
# The latency figures of docs/benchmarks.md ("Live latency"), back to back on one machine:
#   1. a cold start (cold-build.sh), then the defaults at 1,000 and 20,000 readings/s three times, the first run cold
#      (first after the build, page cache dropped, fresh data directory, as every run has);
#   2. the throughput end of the one knob (Processor:BatchMilliseconds=200) at the same rates;
#   3. the RabbitMQ application at the same rates, with its defaults.
# Each run appends to docs/results/pipeline/runs.csv and docs/results/latency/stage-budget.csv; then
#   dotnet run -c Release --no-build --project Tests/Benchmarks -- latency-plots
# draws docs/images/latency-*.png from them. About 25 minutes on two cores. A run that falls behind makes its
# command fail; the script goes on with the next and exits non-zero at the end.
set -u
cd "$(dirname "$0")/../../.."
results=docs/results/pipeline/runs.csv
budget=docs/results/latency/stage-budget.csv
bench=(dotnet run -c Release --no-build --project Tests/Benchmarks --)
. Tests/Benchmarks/Latency/cold-build.sh
failed=0

cold_build || exit 1
for repeat in 1 2 3; do
  cold=(); [ "$repeat" = 1 ] && cold=(--cold)
  echo "== defaults, repeat $repeat of 3"
  "${bench[@]}" pipeline 1000 20000 "${cold[@]}" --results "$results" --budget "$budget" --label "defaults" || failed=1
done
echo "== throughput end: Processor:BatchMilliseconds=200"
"${bench[@]}" pipeline 1000 20000 --set Processor:BatchMilliseconds=200 --results "$results" --budget "$budget" --label "throughput end (Processor:BatchMilliseconds=200)" || failed=1
echo "== the RabbitMQ application, its defaults"
"${bench[@]}" rabbitmq-pipeline 1 1000 20000 --results "$results" --budget "$budget" --label "defaults" || failed=1
exit $failed
