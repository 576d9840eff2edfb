#!/usr/bin/env bash
# Generation with SQL parameters against the same columns with constant ones
# (bench/params.yaml: 1,000,000 rows each, one thread, best of 5, interleaved in one run).
# Usage: bench/params.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/tutas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best_fixed=0; best_modelled=0
for i in 1 2 3 4 5; do
  "$bin" run bench/params.yaml --out "$tmp/out" --threads 1 -q --force
  read -r fixed modelled < <(python3 -c "
import json
t = {x['stage']: x for x in json.load(open('$tmp/out/report.json'))['timings']}
print(1e6 / t['table fixed']['seconds'], 1e6 / t['table modelled']['seconds'])")
  best_fixed=$(python3 -c "print(max($best_fixed, $fixed))")
  best_modelled=$(python3 -c "print(max($best_modelled, $modelled))")
done
python3 -c "
f, m = $best_fixed, $best_modelled
print(f'constant parameters: {f:,.0f} rows/s; SQL parameters: {m:,.0f} rows/s; SQL is {f / m:.2f}x slower')"
