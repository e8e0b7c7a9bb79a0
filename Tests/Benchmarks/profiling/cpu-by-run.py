#!/usr/bin/env python3
"""The CPU cores each service used in each run of a `profile` command's output, as a markdown table:

    python3 Tests/Benchmarks/profiling/cpu-by-run.py <profile stdout> <profile stderr>

Each `profile` invocation prints "profile (<experiment>): …" on stdout and, per run, "CPU cores used over the measured
window at <rate>/s: …" on stderr (the services' user + system time from /proc over the measured window); the n-th
run of the stderr belongs to the n-th invocation when each invocation makes one run, as part4.sh's rounds do.
"""
import re
import sys

names = [m.group(1) for m in (re.match(r"profile \((.*?)\):", line) for line in open(sys.argv[1])) if m]
cpus = [line.split(": ", 1)[1].strip() for line in open(sys.argv[2]) if "CPU cores used over the measured window" in line]
print("| experiment | CPU cores over the measured window |")
print("|---|---|")
for name, cpu in zip(names, cpus):
    print(f"| {name} | {cpu} |")
