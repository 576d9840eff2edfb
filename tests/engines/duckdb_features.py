"""The scenario's SQL as `tutas sql --dialect duckdb --json` writes it, run in DuckDB on a
tutas run's unprocessed CSVs: the features must equal that run's processed_1 (as multisets of
rows), and the checks and insights its report.

usage: duckdb_features.py QUERIES.json RUN_DIR EXPECTED_PROCESSED_1_DIR
"""

import json
import sys

import duckdb

from tutas_engines import check_outcome, compare_rows, insight_rows


def main(queries_path, run_dir, expected_dir):
    queries = json.load(open(queries_path))
    report = json.load(open(f"{run_dir}/report.json"))
    con = duckdb.connect()
    for table, columns in queries["tables"].items():
        types = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        con.sql(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{run_dir}/unprocessed/{table}.csv', "
            f"header = true, columns = {{{types}}}, timestampformat = '%Y-%m-%d %H:%M')"
        )
    problems = []
    for name, sql in queries["features"].items():
        con.sql(f"CREATE TABLE {name} AS {sql}")
        expected = f"read_parquet('{expected_dir}/{name}.parquet')"
        problems += [f"feature {name}: {p}" for p in compare_rows(con, expected, name)]
    checks = {c["name"]: c for c in report["checks"]}
    for name, sql in queries["checks"].items():
        result = con.execute(sql)
        passed, detail = check_outcome([d[0] for d in result.description], result.fetchall())
        if (passed, detail) != (checks[name]["passed"], checks[name]["detail"]):
            problems.append(f"check {name}: DuckDB {passed} ({detail}), tutas {checks[name]}")
    insights = {i["name"]: i["rows"] for i in report["insights"]}
    for name, sql in queries["insights"].items():
        result = con.execute(sql)
        rows = insight_rows([d[0] for d in result.description], result.fetchall())
        if rows != insights[name]:
            problems.append(f"insight {name}: DuckDB {rows}, tutas {insights[name]}")
    print("\n".join(problems) or "DuckDB agrees with tutas")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
