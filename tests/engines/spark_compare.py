"""What the Spark driver wrote against a tutas run (Parquet) of the same scenario and seed:
each table's part files, in order, are the run's table row for row; each feature equals the
run's as a multiset of rows; checks and insights equal the run's report.

usage: spark_compare.py SPARK_OUT RUN_DIR
"""

import glob
import json
import sys

import duckdb
import pyarrow.parquet as pq

from tutas_engines import compare_rows


def parts_in_order(folder):
    return sorted(glob.glob(f"{folder}/part-*.parquet"))


def main(spark_out, run_dir):
    report = json.load(open(f"{run_dir}/report.json"))
    problems = []
    for table in report["tables"]:
        name = table["name"]
        files = parts_in_order(f"{spark_out}/unprocessed/{name}")
        spark_rows = [r for f in files for r in pq.read_table(f).to_pylist()]
        tutas_rows = pq.read_table(f"{run_dir}/unprocessed/{name}.parquet").to_pylist()
        if spark_rows != tutas_rows:
            problems.append(f"table {name}: Spark's parts in order are not tutas's rows ({len(spark_rows)} against {len(tutas_rows)})")
    con = duckdb.connect()
    for feature in report["features"]:
        name = feature["name"]
        spark = f"read_parquet('{spark_out}/processed_1/{name}/*.parquet')"
        tutas = f"read_parquet('{run_dir}/processed_1/{name}.parquet')"
        rows = con.execute(f"SELECT COUNT(*) FROM {spark}").fetchone()[0]
        if rows != feature["rows"]:
            problems.append(f"feature {name}: {rows} rows on Spark, {feature['rows']} by tutas")
        problems += [f"feature {name}: {p}" for p in compare_rows(con, tutas, spark)]
    checks = json.load(open(f"{spark_out}/checks.json"))
    if checks != report["checks"]:
        problems.append(f"checks: Spark {checks}, tutas {report['checks']}")
    insights = {i["name"]: i["rows"] for i in json.load(open(f"{spark_out}/insights.json"))}
    expected = {i["name"]: i["rows"] for i in report["insights"]}
    if insights != expected:
        problems.append(f"insights: Spark {insights}, tutas {expected}")
    print("\n".join(problems) or "Spark agrees with tutas")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
