#!/usr/bin/env python3
"""Each run's loop means beside the machine's load over its measured window, from two committed files:

    python3 Tests/Benchmarks/profiling/load-by-run.py [docs/results/part4/loop-times.csv] [docs/results/part4/load.csv] [measured s]

load.csv is /proc/loadavg every 15 s while the runs went on (utc,load1,load5,load15,running_procs); a run's row is
written at the end of its measured window, so its load is the mean load1 of the samples in the `measured` seconds before.
Prints a markdown table: experiment, application, rate, run, kept up, the load, and each service's loop mean (ms).
"""
import csv
import sys
from datetime import datetime, timedelta

loops_file = sys.argv[1] if len(sys.argv) > 1 else "docs/results/part4/loop-times.csv"
load_file = sys.argv[2] if len(sys.argv) > 2 else "docs/results/part4/load.csv"
measured = float(sys.argv[3]) if len(sys.argv) > 3 else 20


def when(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


loads = [(when(r["utc"]), float(r["load1"])) for r in csv.DictReader(open(load_file))]
runs = {}
for row in csv.DictReader(open(loops_file)):
    key = (row["experiment"], row["application"], int(row["offered_per_s"]), int(row["run"]))
    run = runs.setdefault(key, {"date": when(row["date"]), "kept": row["sustained"] == "true"})
    run[row["service"]] = row["mean_ms"]

print("| experiment | application | offered/s | run | kept up | load1 (mean over the window) | generator ms | processor ms | sink ms |")
print("|---|---|---|---|---|---|---|---|---|")
for key, run in sorted(runs.items(), key=lambda r: r[1]["date"]):
    window = [l for t, l in loads if run["date"] - timedelta(seconds=measured + 15) <= t <= run["date"]]
    load = f"{sum(window) / len(window):.1f}" if window else "–"
    cells = [f"{float(run[s]):.1f}" if run.get(s) else "–" for s in ("generator", "processor", "sink")]
    print(f"| {key[0]} | {key[1]} | {key[2]:,} | {key[3]} | {'yes' if run['kept'] else 'NO'} | {load} | " + " | ".join(cells) + " |")
