"""Shared by the engine tests: tutas's check rule, and rows compared as multisets in DuckDB."""

import json


def check_outcome(columns, rows):
    """tutas's rule: a check passes when it returns no rows, or one row of one boolean that is true."""
    if not rows:
        return True, "returned no rows"
    if len(rows) == 1 and len(columns) == 1 and isinstance(rows[0][0], bool):
        return (True, "returned true") if rows[0][0] else (False, "returned false")
    return False, f"returned {len(rows)} rows; a check must return no rows"


def compare_rows(con, expected, actual):
    """Differences between two DuckDB relations (SQL text) as multisets: a list of messages."""
    problems = []
    a_cols = [d[0] for d in con.execute(f"SELECT * FROM {expected} LIMIT 0").description]
    b_cols = [d[0] for d in con.execute(f"SELECT * FROM {actual} LIMIT 0").description]
    if a_cols != b_cols:
        return [f"columns differ: {a_cols} != {b_cols}"]
    for name, left, right in (("missing", expected, actual), ("extra", actual, expected)):
        n = con.execute(f"SELECT COUNT(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})").fetchone()[0]
        if n:
            sample = con.execute(f"SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right} LIMIT 3").fetchall()
            problems.append(f"{n} {name} rows, e.g. {sample}")
    return problems


def insight_rows(columns, rows):
    """Insight rows as tutas's report.json writes them: one object per row."""
    return [dict(zip(columns, (json_value(v) for v in row))) for row in rows]


def json_value(v):
    return v if isinstance(v, (bool, int, float, str)) or v is None else str(v)


def dump(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
