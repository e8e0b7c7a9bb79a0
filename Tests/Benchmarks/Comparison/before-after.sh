#!/bin/bash
# Back-to-back runs of two builds of the application, alternating, to compare them on one noisy machine:
#   bash Tests/Benchmarks/Comparison/before-after.sh <before-checkout> <after-checkout> <results-dir> [rounds] [-- verb args...]
# Each checkout must have `dotnet build -c Release Tests/Benchmarks` done. Every run appends to
# <results-dir>/runs.csv (labelled before/after) and keeps its console output in <results-dir>/<label>-<n>-<verb>.txt.
# Default verbs: `pipeline 20000` and `rabbitmq-pipeline 1 20000`, one of each per build per round.
set -euo pipefail
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); out=$(mkdir -p "$3" && cd "$3" && pwd); rounds=${4:-1}
verbs=("pipeline 20000" "rabbitmq-pipeline 1 20000")
for round in $(seq "$rounds"); do
  for verb in "${verbs[@]}"; do
    # Alternate which build goes first, so neither always gets the quieter slot.
    if (( round % 2 == 1 )); then order=(before after); else order=(after before); fi
    for label in "${order[@]}"; do
      dir=$before; [[ $label == after ]] && dir=$after
      name="$label-$round-${verb%% *}"
      echo "== $(date -u +%H:%M:%S) $name: $verb (load $(cut -d' ' -f1 /proc/loadavg))"
      (cd "$dir" && dotnet run -c Release --no-build --project Tests/Benchmarks -- $verb \
          --results "$out/runs.csv" --label "$label" --logs "$out/logs-$name") > "$out/$name.txt" 2>&1 || echo "   (exit $?: see $out/$name.txt)"
      grep -E '^\| [0-9]' "$out/$name.txt" | tail -2 || true
      grep -iE 'cores|FAILED' "$out/$name.txt" | tail -3 || true
    done
  done
done
