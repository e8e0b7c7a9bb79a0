# Sourced by the benchmark scripts: a cold start for the run that follows, as docs/benchmarks.md defines it.
# The benchmarks rebuilt from scratch in Release, then the kernel's page cache dropped when this shell may (root), so
# the first run reads every assembly from disk and JITs it; every run has a fresh data directory of its own anyway.
cold_build() {
  dotnet build -c Release Tests/Benchmarks --no-incremental -v q -nologo || return 1
  sync
  if { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null; then
    echo "== cold: rebuilt, page cache dropped"
  else
    echo "== cold: rebuilt (the page cache could not be dropped: not root)"
  fi
}
