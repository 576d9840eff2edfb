#!/usr/bin/env bash
# tutas side by side with the tool a data scientist would pick instead, on this machine, in
# one run, on the same data and the same number of threads:
#   - Python Faker writing the student table (1 thread);
#   - DuckDB running the default feature query on the tables tutas wrote for large.yaml
#     (loading them is reported apart);
#   - pandas + scikit-learn splitting bench/shop.yaml's feature table (stratified, scaler
#     fitted on the training rows, text one-hot, CSV out).
# The peers are installed into bench/.venv from the package registry on the first run.
# Usage: bench/peers.sh [THREADS]   (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
source bench/peers/setup.sh

# The seconds a stage took in a run's report.json: compute (before writing) or whole.
stage() { "$py" -c "
import json, sys
r = json.load(open('$1/report.json'))
t = next(t for t in r['timings'] if t['stage'].startswith('$2'))
print(t.get('compute_seconds') if '$3' == 'compute' else t['seconds'])"; }
ratio() { "$py" -c "print(f'{$1 / $2:.1f}')"; }

echo "== students, 1 thread: tutas 1,000,000 rows, Faker 50,000 rows (rows/s, best of 3 and 2)"
best_tutas=0
for i in 1 2 3; do
  "$bin" run bench/murid.yaml --out "$tmp/m" --threads 1 -q
  rate=$("$py" -c "print(1_000_000 / $(stage "$tmp/m" "table murid" whole))")
  best_tutas=$("$py" -c "print(max($best_tutas, $rate))")
  rm -rf "$tmp/m"
done
best_faker=0
for i in 1 2; do
  secs=$("$py" bench/peers/faker_students.py 50000 "$tmp/faker.csv")
  best_faker=$("$py" -c "print(max($best_faker, 50_000 / $secs))")
done
printf "   tutas %.0f rows/s, Faker %.0f rows/s: tutas %sx\n" "$best_tutas" "$best_faker" "$(ratio "$best_tutas" "$best_faker")"

# --serial-writes finishes the tables' files before the query, so that the query runs alone,
# as DuckDB's does (in a normal run the files are written while the query runs).
echo "== feature query of scenarios/large.yaml, $threads threads (seconds, best of 2 runs each)"
"$bin" run scenarios/large.yaml --out "$tmp/large" --threads "$threads" -q --serial-writes
tutas_query=$(stage "$tmp/large" feature compute)
read -r load duck_query duck_write rows < <("$py" bench/peers/duckdb_features.py "$tmp/large" "$threads" "$tmp/duckdb.csv")
"$bin" run scenarios/large.yaml --out "$tmp/large" --threads "$threads" -q --serial-writes
tutas_query=$("$py" -c "print(min($tutas_query, $(stage "$tmp/large" feature compute)))")
read -r load2 duck_query2 duck_write2 rows < <("$py" bench/peers/duckdb_features.py "$tmp/large" "$threads" "$tmp/duckdb.csv")
duck_query=$("$py" -c "print(min($duck_query, $duck_query2))")
printf "   tutas %.2f s, DuckDB %.2f s (%s rows; DuckDB also took %.2f s to load the CSVs, %.2f s to write the result): DuckDB/tutas %s\n" \
  "$tutas_query" "$duck_query" "$rows" "$load" "$duck_write" "$(ratio "$duck_query" "$tutas_query")"
rm -rf "$tmp/large"

echo "== split of bench/shop.yaml (100,000 rows, four text columns one-hot), $threads threads"
"$bin" run bench/shop.yaml --out "$tmp/shop" --threads "$threads" -q
tutas_split=$(stage "$tmp/shop" split whole)
mkdir -p "$tmp/pandas"
read -r pd_read pd_split < <("$py" bench/peers/pandas_split.py "$tmp/shop/processed_1/order_features.csv" "$tmp/pandas")
printf "   tutas %.3f s (split, audit, files), pandas + scikit-learn %.3f s (split, files; %.3f s more to read the CSV): pandas/tutas %s\n" \
  "$tutas_split" "$pd_split" "$pd_read" "$(ratio "$pd_split" "$tutas_split")"
