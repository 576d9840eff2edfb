#!/usr/bin/env bash
# Rows per second of one table clean, with nulls and dirty values, with duplicates, and with
# correlated columns
# (bench/messy.yaml: 1,000,000 rows each, one thread, best of 5, in one run).
# Usage: bench/messy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/tutas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best="0 0 0 0"
for i in 1 2 3 4 5; do
  "$bin" run bench/messy.yaml --out "$tmp/out" --threads 1 -q --force
  best=$(python3 -c "
import json
t = {x['stage']: x for x in json.load(open('$tmp/out/report.json'))['timings']}
now = [1e6 / t['table ' + n]['seconds'] for n in ('clean', 'messy', 'duplicated', 'correlated')]
print(' '.join(str(max(a, float(b))) for a, b in zip(now, '$best'.split())))")
done
python3 -c "
c, m, d, r = (float(x) for x in '$best'.split())
print(f'clean: {c:,.0f} rows/s; nulls + dirty: {m:,.0f} rows/s ({c / m:.2f}x slower); duplicates: {d:,.0f} rows/s ({c / d:.2f}x slower); correlated: {r:,.0f} rows/s ({c / r:.2f}x slower)')"
