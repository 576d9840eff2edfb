#!/usr/bin/env bash
# Every fake kind (and `pattern`), one thread: tutas writing 1,000,000 values to CSV against
# Python Faker's same provider writing 100,000 (rows/s; Faker installed into bench/.venv as in
# bench/peers.sh). Each tutas figure is the best of 2 runs of a one-column table.
# Usage: bench/kinds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/peers/setup.sh

"$py" bench/peers/faker_kinds.py 100000 > "$tmp/faker.txt"
printf "%-18s %14s %14s %8s\n" kind "tutas rows/s" "Faker rows/s" ratio
while read -r kind faker_secs; do
  name=${kind%@*}
  generator="{ fake: $name }"
  case "$kind" in
    *@*) generator="{ fake: $name, locale: ${kind#*@} }" ;;
    iban) generator="{ fake: iban }" ;;
    licence_plate) generator="{ fake: licence_plate, locale: fr_FR }" ;;
    pattern) generator='{ pattern: "INV-####-??" }' ;;
  esac
  printf 'name: kind\nseed: 1\ntables:\n  t:\n    rows: 1000000\n    columns:\n      v: %s\n' "$generator" > "$tmp/s.yaml"
  best=0
  for i in 1 2; do
    "$bin" run "$tmp/s.yaml" --out "$tmp/out" --threads 1 -q
    secs=$("$py" -c "import json; print(next(t['seconds'] for t in json.load(open('$tmp/out/report.json'))['timings'] if t['stage'] == 'table t'))")
    best=$("$py" -c "print(max($best, 1_000_000 / $secs))")
    rm -rf "$tmp/out"
  done
  if [ "$faker_secs" = "-" ]; then
    printf "%-18s %14.0f %14s %8s\n" "$kind" "$best" "-" "-"
  else
    "$py" -c "f = 100_000 / $faker_secs; print(f'{\"$kind\":<18} {$best:>14,.0f} {f:>14,.0f} {$best / f:>7.0f}x')"
  fi
done < "$tmp/faker.txt"
