//! Whether a condition can be classified per group pair: it must read NULL as "unknown".

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, Operator};

/// Scalar functions that return NULL whenever an argument is NULL (strict), so they keep the
/// Kleene reading of NULL as "unknown". Functions not listed (`concat` skips NULLs, `coalesce`
/// replaces them, volatile ones change per row) turn grouping off: slower, never wrong.
const STRICT_FUNCTIONS: &[&str] = &[
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "cbrt",
    "ceil",
    "cos",
    "exp",
    "floor",
    "ln",
    "log",
    "log10",
    "log2",
    "power",
    "pow",
    "round",
    "signum",
    "sin",
    "sqrt",
    "tan",
    "trunc",
    "degrees",
    "radians",
    "ascii",
    "bit_length",
    "btrim",
    "character_length",
    "char_length",
    "length",
    "initcap",
    "left",
    "lower",
    "lpad",
    "ltrim",
    "octet_length",
    "repeat",
    "replace",
    "reverse",
    "right",
    "rpad",
    "rtrim",
    "split_part",
    "starts_with",
    "ends_with",
    "strpos",
    "substr",
    "substring",
    "translate",
    "upper",
    "trim",
    "date_part",
    "datepart",
    "date_trunc",
    "datetrunc",
    "to_timestamp",
    "to_date",
    "from_unixtime",
    "make_date",
    "regexp_like",
    "add_days",
    "add_hours",
    "add_minutes",
    "add_seconds",
];

/// Whether the expression treats NULL as "unknown" throughout (Kleene logic), so evaluating it
/// with unknown columns set to NULL can only return a value when every value of them would
/// give that same value. Only constructs known to behave so are accepted.
pub(super) fn null_monotone(e: &Expr) -> bool {
    let mut ok = true;
    let _ = e.apply(|node| {
        let good = match node {
            Expr::Column(_)
            | Expr::Literal(..)
            | Expr::Alias(_)
            | Expr::Not(_)
            | Expr::Negative(_)
            | Expr::Between(_)
            | Expr::Like(_)
            | Expr::SimilarTo(_)
            | Expr::InList(_)
            | Expr::Cast(_)
            | Expr::TryCast(_) => true,
            Expr::BinaryExpr(b) => {
                !matches!(b.op, Operator::IsDistinctFrom | Operator::IsNotDistinctFrom)
            }
            Expr::ScalarFunction(f) => STRICT_FUNCTIONS.contains(&f.name()),
            _ => false,
        };
        if !good {
            ok = false;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::{col, concat, lit};

    #[test]
    fn kleene_constructs_are_null_monotone_and_null_aware_ones_are_not() {
        let x = || col("x");
        assert!(null_monotone(&x().eq(col("y")).and(x().gt(lit(3)))));
        assert!(!null_monotone(&x().not_eq(lit("a")).or(x().is_not_null())));
        assert!(null_monotone(&x().between(lit(1), lit(2))));
        assert!(!null_monotone(&x().is_null()));
        assert!(!null_monotone(&concat(vec![x(), lit("y")]).eq(lit("ay"))));
        assert!(!null_monotone(&Expr::BinaryExpr(
            datafusion::logical_expr::BinaryExpr::new(
                Box::new(x()),
                Operator::IsDistinctFrom,
                Box::new(lit(1)),
            )
        )));
        assert!(null_monotone(
            &datafusion::functions::expr_fn::lower(x()).eq(lit("a"))
        ));
    }
}
