#!/usr/bin/env bash
# Performance figures on this machine: rows/s per stage (from tutas's own run
# summary), wall time and peak memory (/usr/bin/time), and the time `cp` takes
# to copy the large scenario's outputs (the floor for writing them).
# Usage: bench/bench.sh            (needs /usr/bin/time: Debian package `time`)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/tutas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() {
  sync # let earlier writes reach the disk so they do not slow this run
  # Empty the page cache when allowed (root): otherwise the run's memory comes from reclaiming
  # earlier outputs, which on this VM cost up to seconds of system time and made runs vary.
  if [ -w /proc/sys/vm/drop_caches ]; then echo 1 >/proc/sys/vm/drop_caches; fi
  local label=$1
  shift
  echo "== $label"
  /usr/bin/time -f "   wall %e s, cpu %U s user + %S s system, peak memory %M KiB" -o "$tmp/time" "$bin" "$@" >"$tmp/summary"
  sed -n '/^timing/,$p' "$tmp/summary" | sed '1d;$d'
  cat "$tmp/time"
}

# A first run loads the binary and warms the page cache; it is not measured.
"$bin" run bench/murid.yaml --out "$tmp/warm-up" --threads 1 >/dev/null
rm -rf "$tmp/warm-up"
measure "students, 1,000,000 rows, 1 thread" run bench/murid.yaml --out "$tmp/m1" --threads 1
measure "students, 1,000,000 rows, all threads" run bench/murid.yaml --out "$tmp/m2"
rm -rf "$tmp/m1" "$tmp/m2"
measure "students, 10,000,000 rows, all threads (memory stays bounded)" run bench/murid.yaml --out "$tmp/m10" --scale 10
rm -rf "$tmp/m10"
measure "interactions, 10,000,000 rows (1,000 students x 1,000 tutors)" run bench/interactions.yaml --out "$tmp/i"
rm -rf "$tmp/i"
measure "scenarios/large.yaml end to end" run scenarios/large.yaml --out "$tmp/large"
# The sources stay in the page cache (as tutas's data was in memory): cp only copies.
echo "== cp of the large scenario's outputs ($(du -sh "$tmp/large" | cut -f1)), three times"
for i in 1 2 3; do
  sync
  /usr/bin/time -f "   wall %e s" cp -r "$tmp/large" "$tmp/copy"
  rm -rf "$tmp/copy"
done
rm -rf "$tmp/copy"

# On this project's VM, memory left idle for a few seconds goes back to the host, and touching
# it again costs about a second per GB of system time; pages freed a moment ago (by the
# `rm` above, or by emptying the page cache) are cheap. The runs above start from such pages.
# Here tutas and cp both start after 20 s idle, as in everyday use.
idle_measure() {
  local label=$1
  shift
  sync
  sleep 20
  echo "== after 20 s idle: $label"
  /usr/bin/time -f "   wall %e s, cpu %U s user + %S s system" "$@" >/dev/null
}
idle_measure "scenarios/large.yaml end to end" "$bin" run scenarios/large.yaml --out "$tmp/large2"
rm -rf "$tmp/large2"
idle_measure "cp of its outputs" cp -r "$tmp/large" "$tmp/copy"
