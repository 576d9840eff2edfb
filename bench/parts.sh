#!/usr/bin/env bash
# What making a scenario in parts costs, on this machine (2 cores), with the release build:
#   1. CPU (user + sys) and peak memory of each part of large.yaml for N = 1, 2, 4 and 8,
#      against a single full run (generation, SQL, split) and the generation alone (1 part);
#   2. wall time for N = 1, 2, 4 with two parts at a time on one thread each;
#   3. the fixed cost of a part: part 1 of 1000 (every input table and the sampler's
#      preparation, almost no rows).
# Usage: bench/parts.sh [SCENARIO]   (default scenarios/large.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/large.yaml}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/tutas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs tutas; prints "<wall s> <cpu s> <peak MiB>".
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$bin" "$@" -q >/dev/null
  rm -rf "$tmp/out"
  awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$tmp/time"
}

echo "== $scenario: CPU seconds (user + sys) and peak memory"
read -r wall cpu mem < <(measure run "$scenario" --out "$tmp/out")
echo "single full run (generation, SQL, split): wall $wall s, CPU $cpu s, peak $mem MiB"
single_full=$cpu
for n in 1 2 4 8; do
  total=0; peak=0
  for k in $(seq 1 "$n"); do
    read -r wall cpu mem < <(measure run "$scenario" --parts "$n" --part "$k" --out "$tmp/out")
    total=$(awk -v a="$total" -v b="$cpu" 'BEGIN { print a + b }')
    peak=$(( mem > peak ? mem : peak ))
  done
  [ "$n" = 1 ] && single_gen=$total
  awk -v n="$n" -v t="$total" -v g="$single_gen" -v f="$single_full" -v p="$peak" 'BEGIN {
    printf "N = %d parts: CPU of all parts %.2f s = %.2fx the generation alone, %.2fx the full run; peak of one part %d MiB\n", n, t, t / g, t / f, p }'
done
read -r wall cpu mem < <(measure run "$scenario" --parts 1000 --part 1 --out "$tmp/out")
echo "fixed cost of one part (part 1 of 1000): CPU $cpu s, peak $mem MiB"

echo "== wall time, two parts at a time, one thread each"
for n in 1 2 4; do
  start=$(date +%s.%N)
  for k in $(seq 1 "$n"); do
    "$bin" run "$scenario" --parts "$n" --part "$k" --threads 1 --out "$tmp/w$k" -q &
    if (( k % 2 == 0 )); then wait; fi
  done
  wait
  end=$(date +%s.%N)
  rm -rf "$tmp"/w*
  awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "N = %d: %.2f s\n", n, e - s }'
done
