#!/bin/bash
# Start-up figure of the AppHost in embedded mode: starts the built AppHost RUNS times from the repository root,
# prints the AppHost's own "All N resources ready after" line and each resource's ready time, then stops it
# (SIGTERM to its process group) and checks that its Erlang VM and epmd are gone. With --cold the first run
# starts from a fresh AppHost/.data. The load average at each start is printed: on a shared machine it
# decides much of the figure.
#   dotnet build AppHost && bash AppHost/startup-runs.sh 3 --cold
set -u
cd "$(dirname "$0")/.." || exit 1
RUNS=${1:-3}; COLD=${2:-}
tree=$(pwd)
for i in $(seq "$RUNS"); do
  [ "$COLD" = --cold ] && [ "$i" = 1 ] && rm -rf AppHost/.data
  log=$(mktemp "${TMPDIR:-/tmp}/apphost-start-XXXXXX.log")
  start=$(date +%s.%N); load=$(cut -d' ' -f1 /proc/loadavg)
  setsid dotnet run --project AppHost --no-build > "$log" 2>&1 &
  group=$!
  result="no 'resources ready' line within 180 s"
  for _ in $(seq 1800); do
    if grep -q "resources ready after" "$log"; then result=$(grep -o "All .* resources ready after [0-9.]* s" "$log"); break; fi
    kill -0 "$group" 2>/dev/null || { result="the AppHost exited"; break; }
    sleep 0.1
  done
  echo "run $i: $result; wall $(echo "$(date +%s.%N) - $start" | bc) s; load average at start $load; log $log"
  grep -o "[a-z0-9-]* ready after [0-9.]* s" "$log" | grep -v "^resources" | paste -sd ';' -
  epmd_port=$(pgrep -af "beam.smp.*$tree/AppHost/.data" | grep -o "epmd_port [0-9]*" | head -1 | cut -d' ' -f2)
  kill -TERM -- -"$group" 2>/dev/null
  for _ in $(seq 400); do kill -0 -- -"$group" 2>/dev/null || break; sleep 0.1; done
  kill -0 -- -"$group" 2>/dev/null && { echo "  the AppHost was still running 40 s after SIGTERM: SIGKILL"; kill -KILL -- -"$group" 2>/dev/null; }
  # DCP stops the broker a moment after the AppHost: give it 30 s.
  for _ in $(seq 300); do
    pgrep -f "beam.smp.*$tree/AppHost/.data" >/dev/null || { [ -n "$epmd_port" ] && pgrep -f "epmd -port $epmd_port$" >/dev/null; } || break
    sleep 0.1
  done
  left=$(pgrep -af "beam.smp.*$tree/AppHost/.data"; [ -n "$epmd_port" ] && pgrep -af "epmd -port $epmd_port$")
  [ -n "$left" ] && echo "  LEFT BEHIND: $left"
  sleep 5
done
