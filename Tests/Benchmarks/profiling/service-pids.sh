# Sourced by the profiling scripts: the running application's services and how to find each one's process.

# The services the scripts look at.
services=(Generator Processor Sink)

# Only this checkout's processes: other checkouts on the machine may run the application too.
repository_root=${REPOSITORY_ROOT:-$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)}

# The busiest process of a service (most CPU time so far) that is not the `dotnet run` wrapper:
# the readings generator rather than the job-events one.
pid_of() {
  for pid in $(pgrep -f "$repository_root/Services/$1/bin/.*HpcAspire.$1" || true); do
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "dotnet run" && continue
    echo "$(awk '{print $14 + $15}' "/proc/$pid/stat") $pid"
  done | sort -n | tail -1 | cut -d' ' -f2
}

# pid_of, or a clear error when the service is not running.
running_pid_of() {
  local pid
  pid=$(pid_of "$1")
  if [ -z "$pid" ]; then echo "no $1 process of $repository_root: is a pipeline run going?" >&2; exit 1; fi
  echo "$pid"
}
