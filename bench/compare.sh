#!/usr/bin/env bash
# Two builds of tutas side by side, interleaved, on the same workloads: the run's own total
# seconds (report.json), best and median of N runs each, and the ratio new/old.
# Usage: bench/compare.sh OLD_BINARY NEW_BINARY [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1
new=$2
runs=${3:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# label | arguments after `run`
workloads=(
  "students 1M, 1 thread|bench/murid.yaml --threads 1"
  "students 1M, 2 threads|bench/murid.yaml --threads 2"
  "messy students 1M, 1 thread|bench/messy.yaml --threads 1"
  "large.yaml end to end, 2 threads|scenarios/large.yaml --threads 2"
)

seconds() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$1"; }

summary() {
  python3 - "$@" <<'PY'
import statistics, sys
old = sorted(map(float, sys.argv[1].split()))
new = sorted(map(float, sys.argv[2].split()))
mo, mn = statistics.median(old), statistics.median(new)
print(f"   old best {old[0]:.3f} s, median {mo:.3f} s | new best {new[0]:.3f} s, median {mn:.3f} s | new/old median {mn / mo:.3f}, best {new[0] / old[0]:.3f}")
PY
}

for w in "${workloads[@]}"; do
  label=${w%%|*}
  args=${w#*|}
  times_old=""
  times_new=""
  # A warm-up of each, then the two interleaved.
  "$old" run $args --out "$tmp/warm" -q --force && rm -rf "$tmp/warm"
  "$new" run $args --out "$tmp/warm" -q --force && rm -rf "$tmp/warm"
  for i in $(seq "$runs"); do
    for which in old new; do
      bin=${!which}
      sync
      "$bin" run $args --out "$tmp/$which" -q --force
      t=$(seconds "$tmp/$which/report.json")
      rm -rf "$tmp/$which"
      if [ "$which" = old ]; then times_old="$times_old $t"; else times_new="$times_new $t"; fi
    done
  done
  echo "== $label ($runs runs each, interleaved)"
  summary "$times_old" "$times_new"
done
