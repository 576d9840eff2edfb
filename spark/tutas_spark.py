"""Runs a tutas scenario on Apache Spark: the tables are made in parts by Spark tasks, the
feature queries, checks and insights run in Spark SQL.

    spark-submit [--master URL] [--files PATH/TO/tutas] spark/tutas_spark.py SCENARIO --out DIR
        [--parts N] [--tutas PATH] [--seed S] [--scale X] [--task-threads T]

For each generated table, `spark.range(N, numPartitions=N).mapInArrow(...)` runs one task per
part; the task runs `tutas run SCENARIO --parts N --part K --tables TABLE --format parquet` and
yields the part's rows as Arrow batches, so each table is a Spark DataFrame whose partitions,
in order, hold exactly a single tutas run's rows. The driver writes:

    DIR/unprocessed/<table>/      Parquet dataset, one file per part, in part order
    DIR/processed_1/<feature>/    Parquet dataset of each feature query
    DIR/checks.json               each check: passed, detail (tutas's rule and wording)
    DIR/insights.json             each insight's rows

The SQL comes from `tutas sql SCENARIO --dialect spark --json` (aliases resolved, functions
translated), so Spark runs what tutas would. A failing check fails the job with tutas's
message. The split runs outside Spark: `tutas split SCENARIO --from DIR/processed_1/<feature>`.

The binary: `--tutas PATH` (a path every executor can run; on a laptop, the local build), else
a file named `tutas` shipped with `spark-submit --files`, else `tutas` on the PATH.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def parse_args(argv):
    p = argparse.ArgumentParser(prog="tutas_spark.py", description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", help="the scenario file (YAML)")
    p.add_argument("--out", required=True, help="output folder or URI (replaced)")
    p.add_argument("--parts", type=int, default=None, help="parts per table (default: Spark's default parallelism)")
    p.add_argument("--tutas", default=None, help="the tutas binary")
    p.add_argument("--seed", type=int, default=None, help="overrides the scenario's seed")
    p.add_argument("--scale", type=float, default=None, help="multiplies every table's row count")
    p.add_argument("--task-threads", type=int, default=1, help="threads of each tutas task (default 1: Spark runs tasks side by side)")
    args = p.parse_args(argv)
    if args.parts is not None and args.parts < 1:
        p.error("--parts must be at least 1")
    return args


def local_binary(given):
    """The binary on this machine: --tutas, a shipped `tutas`, or the PATH's."""
    if given:
        return os.path.abspath(given)
    try:
        from pyspark import SparkFiles

        shipped = SparkFiles.get("tutas")
        if os.path.exists(shipped):
            os.chmod(shipped, 0o755)
            return shipped
    except Exception:
        pass
    found = shutil.which("tutas")
    if found:
        return found
    raise SystemExit("error: no tutas binary: pass --tutas PATH, ship it with --files, or put `tutas` on the PATH")


def tutas_json(binary, scenario, extra):
    """The scenario's tables and SQL for Spark, from `tutas sql --dialect spark --json`."""
    done = subprocess.run(
        [binary, "sql", scenario, "--dialect", "spark", "--json", *extra],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return json.loads(done.stdout)


def make_parts(binary, scenario, scenario_text, table, parts, run_args, threads):
    """The mapInArrow function: for each part number in its input, runs tutas and yields the
    part's rows of `table`."""

    def run_part(batches):
        import pyarrow.parquet as pq

        tutas = binary if os.path.exists(binary) else local_binary(None)
        for batch in batches:
            for k in batch.column(0).to_pylist():
                work = tempfile.mkdtemp(prefix="tutas-part-")
                try:
                    path = scenario
                    if not os.path.exists(path):
                        # The executor has no copy: the scenario's text, beside where tutas writes.
                        path = os.path.join(work, os.path.basename(scenario))
                        with open(path, "w") as f:
                            f.write(scenario_text)
                    out = os.path.join(work, "out")
                    command = [
                        tutas, "run", path,
                        "--parts", str(parts), "--part", str(k + 1),
                        "--tables", table, "--format", "parquet",
                        "--threads", str(threads), "--out", out, "-q", *run_args,
                    ]
                    done = subprocess.run(command, capture_output=True, text=True)
                    if done.returncode != 0:
                        raise RuntimeError(f"tutas part {k + 1} of {parts} of `{table}` failed:\n{done.stderr}")
                    yield from pq.ParquetFile(os.path.join(out, "unprocessed", f"{table}.parquet")).iter_batches()
                finally:
                    shutil.rmtree(work, ignore_errors=True)

    return run_part


def ddl(columns):
    return ", ".join(f"`{name}` {kind}" for name, kind in columns.items())


def check_outcome(result):
    """tutas's rule: a check passes when it returns no rows, or one row of one boolean that is true."""
    from pyspark.sql.types import BooleanType

    rows = result.count()
    one_bool = rows == 1 and len(result.schema.fields) == 1 and isinstance(result.schema.fields[0].dataType, BooleanType)
    if one_bool:
        value = result.first()[0]
        return (value is True), f"returned {'true' if value is True else 'false'}"
    if rows == 0:
        return True, "returned no rows"
    return False, f"returned {rows} rows; a check must return no rows"


def check_failure(name, detail, location, sql, result):
    """tutas's message for a failed check, with Spark's first offending rows."""
    lines = [f"error: check `{name}` failed: {detail}"]
    if location:
        line = location.rsplit(":", 2)[1]
        lines.append(f"{' ' * len(line)}--> {location}")
    lines.append(f"  = at: checks.{name}")
    lines.append(f"  = query (Spark SQL): {sql.strip()}")
    shown = result._jdf.showString(10, 0, False)
    lines.append("  = first offending rows:")
    lines += ["    " + row for row in shown.rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def write_text(spark, uri, text):
    """Writes a small text file at a local path or any URI Hadoop can write."""
    if "://" not in uri or uri.startswith("file://"):
        path = uri[len("file://"):] if uri.startswith("file://") else uri
        with open(path, "w") as f:
            f.write(text)
        return
    jvm = spark._jvm
    target = jvm.org.apache.hadoop.fs.Path(uri)
    fs = target.getFileSystem(spark._jsc.hadoopConfiguration())
    stream = fs.create(target, True)
    stream.write(bytearray(text.encode("utf-8")))
    stream.close()


def main(argv):
    args = parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("tutas").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    binary = local_binary(args.tutas)
    scenario = os.path.abspath(args.scenario)
    with open(scenario) as f:
        scenario_text = f.read()
    run_args = []
    if args.seed is not None:
        run_args += ["--seed", str(args.seed)]
    if args.scale is not None:
        run_args += ["--scale", repr(args.scale)]
    queries = tutas_json(binary, scenario, [])
    parts = args.parts or spark.sparkContext.defaultParallelism
    out = args.out.rstrip("/")
    if "://" not in out:
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
    sources = [t for t in queries["tables"] if t not in queries["generated"]]
    if sources:
        raise SystemExit(f"error: tables read from files ({', '.join(sources)}) are not made by the Spark driver; generated tables only")

    started = time.time()
    for table in queries["generated"]:
        begun = time.time()
        maker = make_parts(binary, scenario, scenario_text, table, parts, run_args, args.task_threads)
        made = spark.range(parts, numPartitions=parts).mapInArrow(maker, ddl(queries["tables"][table]))
        made.write.mode("overwrite").parquet(f"{out}/unprocessed/{table}")
        spark.read.parquet(f"{out}/unprocessed/{table}").createOrReplaceTempView(table)
        print(f"table {table}: {parts} parts in {time.time() - begun:.1f} s", flush=True)

    for name, sql in queries["features"].items():
        begun = time.time()
        spark.sql(sql).write.mode("overwrite").parquet(f"{out}/processed_1/{name}")
        spark.read.parquet(f"{out}/processed_1/{name}").createOrReplaceTempView(name)
        print(f"feature {name}: {time.time() - begun:.1f} s", flush=True)

    begun = time.time()
    checks = []
    for name, sql in queries["checks"].items():
        result = spark.sql(sql)
        passed, detail = check_outcome(result)
        checks.append({"name": name, "passed": passed, "detail": detail})
        if not passed:
            location = queries["locations"].get(f"checks.{name}")
            sys.stderr.write(check_failure(name, detail, location, sql, result))
            write_text(spark, f"{out}/checks.json", json.dumps(checks, indent=1) + "\n")
            spark.stop()
            return 1
    write_text(spark, f"{out}/checks.json", json.dumps(checks, indent=1) + "\n")
    print(f"checks: {len(checks)} passed in {time.time() - begun:.1f} s", flush=True)

    begun = time.time()
    insights = []
    for name, sql in queries["insights"].items():
        rows = [row.asDict() for row in spark.sql(sql).collect()]
        insights.append({"name": name, "rows": rows})
    write_text(spark, f"{out}/insights.json", json.dumps(insights, indent=1, default=str) + "\n")
    print(f"insights: {len(insights)} in {time.time() - begun:.1f} s", flush=True)
    print(f"tutas on Spark: {len(queries['generated'])} tables in {parts} parts, "
          f"{len(queries['features'])} features, {len(checks)} checks passed, "
          f"{len(insights)} insights in {time.time() - started:.1f} s; written to {out}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
