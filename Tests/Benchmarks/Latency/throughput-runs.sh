#!/usr/bin/env bash
# The throughput figures of docs/benchmarks.md ("Throughput"), back to back on one machine:
#   1. a cold start (cold-build.sh), then `pipeline 50000` five times in a row, the first run cold;
#   2. `ceiling 40000 5000 80000 --repeats 3`: three searches for the highest sustained rate, each climbing from
#      40,000/s by 5,000/s until a run falls behind (45 s lead, 15 s warm-up, 45 s measured per run); their median.
# The five runs append to docs/results/pipeline/runs.csv, the searches' runs to docs/results/pipeline/ceiling.csv
# (their windows are shorter); the consoles go to docs/results/pipeline/throughput-*.txt.
# About 35 minutes on two cores. A run that falls behind makes its command fail (exit 1): the five runs must all
# be sustained; the ceiling's searches end on one that is not, by design, so only its own verdict counts.
set -u
cd "$(dirname "$0")/../../.."
. Tests/Benchmarks/Latency/cold-build.sh
results=docs/results/pipeline/runs.csv
bench=(dotnet run -c Release --no-build --project Tests/Benchmarks --)
failed=0

cold_build || exit 1
echo "== pipeline 50000, five runs in a row, the first cold"
"${bench[@]}" pipeline 50000 50000 50000 50000 50000 --cold --results "$results" 2>&1 | tee docs/results/pipeline/throughput-50000x5.txt
[ "${PIPESTATUS[0]}" = 0 ] || failed=1
echo "== ceiling: the highest sustained rate, the median of three searches"
"${bench[@]}" ceiling 40000 5000 80000 --repeats 3 --lead 45 --warmup 15 --measured 45 --results docs/results/pipeline/ceiling.csv 2>&1 \
  | tee docs/results/pipeline/throughput-ceiling-40000.txt
[ "${PIPESTATUS[0]}" = 0 ] || failed=1
exit $failed
