//! The scenario's SQL for another engine: Apache Spark, BigQuery or DuckDB.
//!
//! Each query is parsed with the scenario's dialect and rewritten on its syntax tree, never
//! as text: table names written as `sql.aliases` become the tables they name (for Spark and
//! DuckDB; BigQuery keeps them, they are its names), functions tutas adds become the engine's
//! own (`COUNTIF` → `count_if`, `add_days(ts, n)` → the engine's date-time arithmetic), type
//! names become the engine's (`DOUBLE` → `FLOAT64` in BigQuery), and quoted names take the
//! engine's quotes. What has no translation is refused with a message that names it.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser;
use sqlparser::ast::{
    DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    ObjectNamePart, Statement, visit_expressions_mut, visit_relations_mut,
};
use sqlparser::parser::Parser;

use crate::plan::ValueType;

/// An engine the scenario's SQL can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Apache Spark SQL.
    Spark,
    /// Google BigQuery (GoogleSQL).
    Bigquery,
    /// DuckDB.
    Duckdb,
}

impl Target {
    /// The engine's quote for names.
    fn quote(self) -> char {
        match self {
            Target::Spark | Target::Bigquery => '`',
            Target::Duckdb => '"',
        }
    }
}

/// One query written for `target`: `sql` parsed in `dialect`, `aliases` (alias, table) resolved
/// except for BigQuery. An error says what could not be translated.
pub fn translate(
    sql: &str,
    dialect: &str,
    target: Target,
    aliases: &[(String, String)],
) -> Result<String, String> {
    let parser_dialect = sqlparser::dialect::dialect_from_str(dialect)
        .ok_or_else(|| format!("unknown SQL dialect `{dialect}`"))?;
    let mut statements =
        Parser::parse_sql(parser_dialect.as_ref(), sql).map_err(|e| e.to_string())?;
    let [statement] = statements.as_mut_slice() else {
        return Err("expected one query".into());
    };
    let original = statement.clone();
    rename_tables(statement, aliases, target);
    let mut refused = None;
    let _ = visit_expressions_mut(statement, |e| {
        if let Err(message) = rewrite(e, target) {
            refused = Some(message);
            return ControlFlow::Break(());
        }
        ControlFlow::<()>::Continue(())
    });
    match refused {
        Some(message) => Err(message),
        // Nothing to change: the text as written (a BigQuery query stays the user's own).
        None if *statement == original => Ok(sql.trim().trim_end_matches(';').to_string()),
        None => Ok(format!("{statement:#}")),
    }
}

/// Table names written as an alias (`warehouse.orders`, or the one quoted name
/// `` `warehouse.orders` ``) become the table they name; for BigQuery, the other way round:
/// a table that has an alias is written as its alias, so every query reads the same names.
fn rename_tables(statement: &mut Statement, aliases: &[(String, String)], target: Target) {
    let _ = visit_relations_mut(statement, |name: &mut ObjectName| {
        let written: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| match p {
                ObjectNamePart::Identifier(i) => Some(i.value.clone()),
                ObjectNamePart::Function(_) => None,
            })
            .collect();
        let joined = written.join(".");
        let renamed = if target == Target::Bigquery {
            aliases
                .iter()
                .find(|(_, table)| table.eq_ignore_ascii_case(&joined))
                .map(|(alias, _)| Ident::with_quote('`', alias))
        } else {
            aliases
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(&joined))
                .map(|(_, table)| Ident::new(table))
        };
        match renamed {
            Some(ident) => *name = ObjectName(vec![ObjectNamePart::Identifier(ident)]),
            None => {
                for part in &mut name.0 {
                    if let ObjectNamePart::Identifier(i) = part {
                        requote(i, target);
                    }
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The engine's name for a column type.
pub fn type_name(ty: ValueType, target: Target) -> &'static str {
    match (ty, target) {
        (ValueType::Bool, Target::Bigquery) => "BOOL",
        (ValueType::Bool, _) => "BOOLEAN",
        (ValueType::Int, Target::Bigquery) => "INT64",
        (ValueType::Int, _) => "BIGINT",
        (ValueType::Float, Target::Bigquery) => "FLOAT64",
        (ValueType::Float, _) => "DOUBLE",
        (ValueType::Str, Target::Duckdb) => "VARCHAR",
        (ValueType::Str, _) => "STRING",
        (ValueType::DateTime, Target::Spark) => "TIMESTAMP_NTZ",
        (ValueType::DateTime, Target::Bigquery) => "DATETIME",
        (ValueType::DateTime, Target::Duckdb) => "TIMESTAMP",
    }
}

fn requote(i: &mut Ident, target: Target) {
    if i.quote_style.is_some() {
        i.quote_style = Some(target.quote());
    }
}

/// Rewrites one expression node for `target`.
fn rewrite(e: &mut Expr, target: Target) -> Result<(), String> {
    match e {
        Expr::Identifier(i) => requote(i, target),
        Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(|i| requote(i, target)),
        // Spark's grammar takes EXISTS as a condition only, not as a comparison's operand.
        Expr::BinaryOp { left, right, .. } if target == Target::Spark => {
            for operand in [left, right] {
                if matches!(**operand, Expr::Exists { .. }) {
                    let exists =
                        std::mem::replace(&mut **operand, Expr::value(sqlparser::ast::Value::Null));
                    **operand = Expr::Nested(Box::new(exists));
                }
            }
        }
        Expr::Cast { data_type, .. } if target == Target::Bigquery => {
            *data_type = bigquery_type(data_type);
        }
        Expr::Function(f) => {
            let name = function_name(f);
            match (name.as_str(), target) {
                ("countif", Target::Spark | Target::Duckdb) => rename(f, "count_if"),
                ("countif", Target::Bigquery) => rename(f, "COUNTIF"),
                ("add_days" | "add_hours" | "add_minutes" | "add_seconds", _) => {
                    *e = date_arithmetic(f, &name, target)?;
                }
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

fn function_name(f: &Function) -> String {
    f.name.to_string().to_lowercase()
}

fn rename(f: &mut Function, name: &str) {
    f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]);
}

/// A type name as BigQuery spells it.
fn bigquery_type(t: &DataType) -> DataType {
    match t {
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float(_) | DataType::Real => {
            DataType::Float64
        }
        DataType::BigInt(_) | DataType::Int(_) | DataType::Integer(_) | DataType::SmallInt(_) => {
            DataType::Int64
        }
        DataType::Boolean => DataType::Bool,
        DataType::Varchar(_) | DataType::Text => DataType::String(None),
        other => other.clone(),
    }
}

/// `add_<unit>(ts, n)` as the engine's arithmetic, to the second.
fn date_arithmetic(f: &Function, name: &str, target: Target) -> Result<Expr, String> {
    let seconds = super::ADD_FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .ok_or_else(|| format!("`{name}` has no translation"))?;
    let FunctionArguments::List(list) = &f.args else {
        return Err(format!("`{name}` takes two arguments"));
    };
    let args: Vec<String> = list
        .args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e.to_string()),
            _ => Err(format!("`{name}` takes two plain arguments")),
        })
        .collect::<Result<_, _>>()?;
    let [ts, n] = args.as_slice() else {
        return Err(format!(
            "`{name}` takes two arguments: a date-time and a number"
        ));
    };
    let sql = match target {
        Target::Spark => {
            format!("timestampadd(SECOND, CAST(ROUND(({n}) * {seconds}) AS BIGINT), {ts})")
        }
        Target::Duckdb => format!("({ts}) + to_seconds(CAST(ROUND(({n}) * {seconds}) AS BIGINT))"),
        Target::Bigquery => {
            format!("DATETIME_ADD({ts}, INTERVAL CAST(ROUND(({n}) * {seconds}) AS INT64) SECOND)")
        }
    };
    Parser::new(&sqlparser::dialect::GenericDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("cannot translate `{name}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query on one line: the pretty printer's line breaks do not matter here.
    fn flat(sql: &str, dialect: &str, target: Target, aliases: &[(String, String)]) -> String {
        let written = translate(sql, dialect, target, aliases).unwrap();
        written.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    const SEED: &str = "WITH gagal AS (SELECT DISTINCT id_murid, id_tutor FROM `tutas_data.interaksi_data` WHERE feedback_score < 4) \
        SELECT i.*, IF(g.id_murid IS NOT NULL, TRUE, FALSE) AS pernah_gagal FROM `tutas_data.interaksi_data` i \
        LEFT JOIN gagal g ON i.id_murid = g.id_murid";

    fn aliases() -> Vec<(String, String)> {
        vec![("tutas_data.interaksi_data".into(), "interaksi".into())]
    }

    #[test]
    fn aliases_resolve_and_countif_renames_for_spark_and_duckdb() {
        let spark = flat(SEED, "bigquery", Target::Spark, &aliases());
        assert!(
            spark.contains("FROM interaksi WHERE") && spark.contains("FROM interaksi i"),
            "{spark}"
        );
        assert!(!spark.contains("tutas_data"), "{spark}");
        let exists = "SELECT * FROM f WHERE f.x <> EXISTS (SELECT 1 FROM i WHERE i.k = f.k)";
        assert_eq!(
            flat(exists, "bigquery", Target::Spark, &[]),
            "SELECT * FROM f WHERE f.x <> (EXISTS (SELECT 1 FROM i WHERE i.k = f.k))"
        );
        let counted = flat(
            "SELECT COUNTIF(a) AS n FROM t",
            "bigquery",
            Target::Duckdb,
            &[],
        );
        assert_eq!(counted, "SELECT count_if(a) AS n FROM t");
    }

    #[test]
    fn bigquery_keeps_its_names_and_takes_its_types() {
        let bq = flat(SEED, "bigquery", Target::Bigquery, &aliases());
        assert_eq!(bq, SEED, "nothing to translate: the query as written");
        let by_table = flat(
            "SELECT COUNT(*) FROM interaksi",
            "bigquery",
            Target::Bigquery,
            &aliases(),
        );
        assert_eq!(by_table, "SELECT COUNT(*) FROM `tutas_data.interaksi_data`");
        let cast = flat(
            "SELECT CAST(COUNTIF(x) AS DOUBLE) / COUNT(*) FROM t",
            "generic",
            Target::Bigquery,
            &[],
        );
        assert_eq!(cast, "SELECT CAST(COUNTIF(x) AS FLOAT64) / COUNT(*) FROM t");
    }

    #[test]
    fn date_arithmetic_is_each_engines_own() {
        let sql = "SELECT add_days(at, n) AS due FROM t";
        assert_eq!(
            flat(sql, "generic", Target::Spark, &[]),
            "SELECT timestampadd(SECOND, CAST(ROUND((n) * 86400) AS BIGINT), at) AS due FROM t"
        );
        assert!(flat(sql, "generic", Target::Duckdb, &[]).contains("to_seconds("));
        assert!(translate("SELECT add_days(at) FROM t", "generic", Target::Spark, &[]).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Expressions over columns `a`, `b`, `at` of table `t` with the functions tutas adds.
        fn expression() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("a".to_string()),
                Just("b".to_string()),
                Just("`b`".to_string()),
                (0u32..1000).prop_map(|n| n.to_string()),
                Just("1.5".to_string()),
            ];
            leaf.prop_recursive(4, 24, 3, |inner| {
                prop_oneof![
                    (inner.clone(), inner.clone()).prop_map(|(x, y)| format!("({x} + {y})")),
                    (inner.clone(), inner.clone())
                        .prop_map(|(x, y)| format!("IF({x} > {y}, {x}, {y})")),
                    inner.clone().prop_map(|x| format!("CAST({x} AS DOUBLE)")),
                    inner.clone().prop_map(|x| format!("ROUND({x}, 2)")),
                    inner.clone().prop_map(|x| format!("add_days(at, {x})")),
                    inner.prop_map(|x| format!("COALESCE({x}, 0)")),
                ]
            })
        }

        /// A query of a few expressions, an aggregate and an alias-named table.
        fn query() -> impl Strategy<Value = String> {
            (proptest::collection::vec(expression(), 1..4), any::<bool>()).prop_map(
                |(exprs, agg)| {
                    let items: Vec<String> = exprs
                        .iter()
                        .enumerate()
                        .map(|(i, e)| format!("{e} AS c{i}"))
                        .collect();
                    let count = if agg { ", COUNTIF(a > 1) AS n" } else { "" };
                    let group = if agg { " GROUP BY 1" } else { "" };
                    format!(
                        "SELECT {}{count} FROM `warehouse.t`{group}",
                        items.join(", ")
                    )
                },
            )
        }

        fn parser_dialect(target: Target) -> &'static str {
            match target {
                Target::Spark => "databricks",
                Target::Bigquery => "bigquery",
                Target::Duckdb => "duckdb",
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// Every translation parses in the target's own dialect, and translating it again
            /// changes nothing: the rewrite is complete in one pass.
            #[test]
            fn translations_parse_and_are_fixpoints(sql in query()) {
                let aliases = vec![("warehouse.t".to_string(), "t".to_string())];
                for target in [Target::Spark, Target::Bigquery, Target::Duckdb] {
                    let once = translate(&sql, "bigquery", target, &aliases)
                        .map_err(|e| TestCaseError::fail(format!("{target:?}: {e}")))?;
                    let dialect = parser_dialect(target);
                    let parsed = sqlparser::dialect::dialect_from_str(dialect).unwrap();
                    prop_assert!(Parser::parse_sql(parsed.as_ref(), &once).is_ok(), "{target:?}: {once}");
                    let twice = translate(&once, dialect, target, &aliases)
                        .map_err(|e| TestCaseError::fail(format!("{target:?} again: {e}")))?;
                    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
                    prop_assert_eq!(flat(&twice), flat(&once), "{:?}", target);
                }
            }
        }
    }
}
