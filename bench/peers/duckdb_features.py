"""The default feature query in DuckDB, on the tables tutas wrote, timed.

Usage: duckdb_features.py OUT_DIR THREADS CSV -> prints load, query (best of two) and the
seconds to write the result to CSV.
"""
import sys
import time

import duckdb

QUERY = """
WITH gagal AS (SELECT DISTINCT id_murid, id_tutor FROM interaksi WHERE feedback_score < 4)
SELECT i.*, t.rating AS average_rating_tutor, t.total_jam_ngajar AS total_jam_ngajar_tutor,
       IF(g.id_murid IS NOT NULL, TRUE, FALSE) AS pernah_gagal
FROM interaksi i
LEFT JOIN tutor t ON i.id_tutor = t.id_tutor
LEFT JOIN gagal g ON i.id_murid = g.id_murid AND i.id_tutor = g.id_tutor
"""


def main(out, threads, csv):
    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    began = time.perf_counter()
    for table in ["interaksi", "tutor"]:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{out}/unprocessed/{table}.csv')")
    load = time.perf_counter() - began
    best = float("inf")
    for _ in range(2):
        began = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TABLE features AS {QUERY}")
        best = min(best, time.perf_counter() - began)
    rows = con.execute("SELECT COUNT(*) FROM features").fetchone()[0]
    began = time.perf_counter()
    con.execute(f"COPY features TO '{csv}' (HEADER)")
    write = time.perf_counter() - began
    print(f"{load:.3f} {best:.3f} {write:.3f} {rows}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
