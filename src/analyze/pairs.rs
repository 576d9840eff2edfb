//! Interaction tables: the linked sides, pair columns, strata and derived columns.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, TableReference};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::Expr;

use super::{Analyzer, PlannedExpr, column_reads, is_identifier};
use crate::error::{Diagnostic, engine_message};
use crate::numeric::largest_remainder;
use crate::numeric::trimmed_number;
use crate::plan::{
    Derived, DerivedColumn, Generator, NumberType, PairColumn, PairPlan, ParamExpr, Side,
    SideWeight, StratumPlan, TableKind, TablePlan, ValueType,
};
use crate::scenario::{ColumnSpec, SideSpec, Stratum};

impl Analyzer<'_> {
    pub(super) fn pair_table(&mut self, name: &str, path: &str) -> Option<TablePlan> {
        let table = &self.scenario.tables[name];
        let (sides, side_schema) = self.sides(name, path)?;
        self.scope.sides = sides.iter().map(|s| s.alias.clone()).collect();
        let before = self.problems.len();
        let (columns, mut out_fields) = self.pair_columns(name, path, &side_schema);
        // Pair columns named like a side's column: a bare name in a condition means the pair
        // column (the row's own), so it is qualified by the table before planning.
        let shadowing = shadowed(&out_fields, &side_schema);
        let condition_schema = match with_qualified(&side_schema, name, &out_fields) {
            Ok(s) => s,
            Err(e) => {
                return self.fail(
                    format!("{path}.columns"),
                    format!(
                        "pair column names clash with the linked columns: {}",
                        engine_message(&e)
                    ),
                );
            }
        };
        self.scope.shadowing = shadowing;
        let mut strata = self.strata(name, path, &condition_schema);
        let set_columns = self.set_columns(&table.strata, path, &mut strata);
        for (n, ty) in &set_columns {
            out_fields.push(Field::new(n, ty.arrow(), false));
        }
        let derive = self.derive(name, path, &side_schema, &mut out_fields);
        self.scope.shadowing.clear();
        self.check_unique_columns(&out_fields, path, &format!("in `{name}`"));
        if self.problems.len() > before || !self.scope.failed_columns.is_empty() {
            return None;
        }
        let strata: Vec<StratumPlan> = strata.into_iter().collect::<Option<_>>()?;
        if strata.is_empty() {
            return None;
        }
        let plan = PairPlan {
            table: name.to_string(),
            rows: strata.iter().map(|s| s.rows).sum(),
            sides,
            side_schema,
            columns,
            condition_schema,
            strata,
            set_columns,
            derive,
            picks: std::mem::take(&mut self.scope.picks),
        };
        Some(TablePlan {
            written: None,
            mess: None,
            shuffle: false,
            name: name.to_string(),
            schema: Arc::new(Schema::new(out_fields)),
            kind: TableKind::Pairs(Box::new(plan)),
        })
    }

    /// The two linked tables and their columns, qualified by their aliases.
    fn sides(&mut self, name: &str, path: &str) -> Option<([Side; 2], DFSchema)> {
        let pairs = self.scenario.tables[name].pairs.as_ref()?;
        let pairs_path = format!("{path}.pairs");
        if pairs.len() != 2 {
            let message = format!(
                "`pairs` links exactly two tables, e.g. {{ c: customer, p: product }}; found {}",
                pairs.len()
            );
            let mut d = Diagnostic::at(pairs_path, message);
            if let (1, Some(table)) = (pairs.len(), pairs.values().next()) {
                d = d.help(format!(
                    "for rows that each take a row of one table, make a generated table with \
                     `rows` and a column `{{ pick: {}.<column> }}`",
                    table.table()
                ));
            }
            self.problem(d);
            return None;
        }
        if self.reads_failed_input(
            pairs.values().map(|s| s.table()),
            &format!("table `{name}`"),
        ) {
            return None;
        }
        let mut sides = Vec::new();
        let mut schema: Option<DFSchema> = None;
        for (alias, spec) in pairs {
            let target = spec.table();
            if !is_identifier(alias) {
                return self.fail(
                    format!("{pairs_path}.{alias}"),
                    format!("alias `{alias}` must be a SQL identifier"),
                );
            }
            let Some(side) = self.schemas.get(target).cloned() else {
                self.undeclared_table("`pairs`", target, &format!("{pairs_path}.{alias}"));
                return None;
            };
            let qualified = DFSchema::try_from_qualified_schema(alias.as_str(), &side);
            let merged = qualified.map(|q| match schema.take() {
                Some(mut s) => {
                    s.merge(&q);
                    s
                }
                None => q,
            });
            match merged {
                Ok(s) => schema = Some(s),
                Err(e) => {
                    return self.fail(
                        &pairs_path,
                        format!(
                            "cannot combine the linked tables' columns: {}",
                            engine_message(&e)
                        ),
                    );
                }
            }
            let weight = match spec {
                SideSpec::Table(_) => None,
                SideSpec::Weighted { weight, .. } => Some(self.side_weight(
                    weight,
                    &side,
                    &format!("{pairs_path}.{alias}.weight"),
                )?),
            };
            sides.push(Side {
                alias: alias.clone(),
                table: target.to_string(),
                weight,
            });
        }
        Some((<[Side; 2]>::try_from(sides).ok()?, schema?))
    }

    /// A side's weight: numeric SQL over its table's columns.
    fn side_weight(&mut self, sql: &str, side: &SchemaRef, path: &str) -> Option<SideWeight> {
        let schema = DFSchema::try_from(side.as_ref().clone()).ok()?;
        let planned = self.sql_expr(sql, &schema, path)?;
        if !planned.data_type.is_numeric() {
            return self.fail(
                path,
                format!(
                    "a weight must be a number; `{sql}` is {}",
                    planned.data_type
                ),
            );
        }
        Some(SideWeight {
            sql: sql.to_string(),
            path: path.to_string(),
            reads: column_reads(&planned.physical),
            physical: planned.physical,
        })
    }

    /// The pair columns, SQL over the linked rows and the pair columns before them, with their
    /// output fields. A pair column read by a later one is written into it, so every pair
    /// column's expression reads the linked rows alone.
    fn pair_columns(
        &mut self,
        name: &str,
        path: &str,
        side_schema: &DFSchema,
    ) -> (Vec<PairColumn>, Vec<Field>) {
        let mut columns: Vec<PairColumn> = Vec::new();
        let mut fields = Vec::new();
        for (col, spec) in &self.scenario.tables[name].columns {
            let cpath = format!("{path}.columns.{col}");
            let ColumnSpec::Sql(sql) = spec else {
                self.scope.failed_columns.insert(col.clone());
                self.problem(Diagnostic::at(&cpath, "columns of a `pairs` table are SQL expressions over the linked rows, e.g. `c.id`").help("put generated columns under a stratum's `set`"));
                continue;
            };
            let Ok(schema) = with_qualified(side_schema, name, &fields) else {
                break;
            };
            self.scope.shadowing = shadowed(&fields, side_schema);
            let planned = self.sql_expr(&self.qualify(sql), &schema, &cpath);
            let inlined = planned.and_then(|p| {
                let logical = inline_pair_columns(p.logical, name, &columns);
                match self.engine.physical(&logical, side_schema) {
                    Ok(physical) => Some((logical, physical, p.data_type)),
                    Err(e) => self.fail(
                        &cpath,
                        format!("invalid SQL expression: {}", engine_message(&e)),
                    ),
                }
            });
            match inlined {
                Some((logical, physical, data_type)) => {
                    fields.push(Field::new(col, data_type, true));
                    columns.push(PairColumn {
                        name: col.clone(),
                        expr: logical,
                        physical,
                    });
                }
                None => {
                    self.scope.failed_columns.insert(col.clone());
                }
            }
        }
        self.scope.shadowing.clear();
        (columns, fields)
    }

    /// The `derive` columns, each over the linked rows (`a.col`) and the row's columns before it.
    fn derive(
        &mut self,
        name: &str,
        path: &str,
        sides: &DFSchema,
        fields: &mut Vec<Field>,
    ) -> Vec<DerivedColumn> {
        let table = &self.scenario.tables[name];
        let mut derive = Vec::new();
        for (col, spec) in &table.derive {
            let dpath = format!("{path}.derive.{col}");
            let Ok(schema) = with_qualified(sides, name, fields) else {
                break;
            };
            self.scope.shadowing = shadowed(fields, sides);
            match self.derived(col, spec, schema, &dpath) {
                Some((derived, data_type)) => {
                    fields.push(Field::new(col, data_type, true));
                    derive.push(derived);
                }
                None => {
                    self.scope.failed_columns.insert(col.clone());
                }
            }
        }
        derive
    }

    /// One `derive` column: SQL, a constant, or a generator with SQL parameters over `schema`.
    fn derived(
        &mut self,
        col: &str,
        spec: &ColumnSpec,
        schema: DFSchema,
        path: &str,
    ) -> Option<(DerivedColumn, DataType)> {
        let (generator, params) = match spec {
            ColumnSpec::Sql(sql) => {
                let PlannedExpr {
                    physical,
                    data_type,
                    ..
                } = self.sql_expr(&self.qualify(sql), &schema, path)?;
                let derived = DerivedColumn {
                    name: col.to_string(),
                    sql: sql.clone(),
                    reads: column_reads(&physical),
                    value: Derived::Sql(physical),
                };
                return Some((derived, data_type));
            }
            ColumnSpec::Constant(v) => (super::generators::constant(v), Vec::new()),
            ColumnSpec::Generate(g) => {
                let (generator, params) = self.with_params(schema, |a| a.generator(g, path, false));
                (generator?, params)
            }
        };
        let data_type = generator.value_type().arrow();
        let derived = DerivedColumn {
            name: col.to_string(),
            sql: params
                .iter()
                .map(|p| p.sql.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            reads: params
                .iter()
                .flat_map(|p| p.reads.iter().cloned())
                .collect(),
            value: Derived::Generate(generator, params),
        };
        Some((derived, data_type))
    }

    /// Plans every stratum, one entry per declared stratum (`None` where it failed); empty
    /// when the counts or the strata themselves are missing.
    fn strata(&mut self, name: &str, path: &str, schema: &DFSchema) -> Vec<Option<StratumPlan>> {
        let table = &self.scenario.tables[name];
        if table.strata.is_empty() {
            self.problem(Diagnostic::at(format!("{path}.strata"), format!("table `{name}` has `pairs` but no `strata`: add at least one, e.g. `- {{ name: all, share: 1, where: 'TRUE' }}`")));
            return Vec::new();
        }
        let counts = self.stratum_counts(name, path);
        let mut names = HashSet::new();
        let mut plans = Vec::new();
        for (i, stratum) in table.strata.iter().enumerate() {
            let spath = format!("{path}.strata[{i}]");
            if !names.insert(stratum.name.clone()) {
                self.problem(Diagnostic::at(
                    format!("{spath}.name"),
                    format!("two strata are named `{}`", stratum.name),
                ));
            }
            let rows = counts.as_ref().map(|c| c[i]);
            let plan = self.stratum(stratum, &spath, schema);
            plans.push(plan.zip(rows).map(|(mut p, rows)| {
                p.rows = rows;
                p
            }));
        }
        plans
    }

    fn stratum(&mut self, stratum: &Stratum, path: &str, schema: &DFSchema) -> Option<StratumPlan> {
        let where_path = format!("{path}.where");
        let sql = self.qualify(&stratum.condition);
        let condition = self.sql_expr(&sql, schema, &where_path);
        let mut set = Vec::new();
        let mut set_params = Vec::new();
        for (col, spec) in &stratum.set {
            let cpath = format!("{path}.set.{col}");
            let (generator, params) = match spec {
                ColumnSpec::Constant(v) => (Some(super::generators::constant(v)), Vec::new()),
                // Parameters read what the condition reads: the pair columns and the linked rows
                // (a set column's value is for `derive`, which comes after every `set`).
                ColumnSpec::Generate(g) => {
                    self.with_params(schema.clone(), |a| a.generator(g, &cpath, false))
                }
                ColumnSpec::Sql(_) => (
                    self.fail(
                        &cpath,
                        "`set` takes generators or constants; SQL over the row belongs in `derive`",
                    ),
                    Vec::new(),
                ),
            };
            match generator {
                Some(g) => {
                    set.push((col.clone(), g));
                    set_params.push(params);
                }
                None => {
                    self.scope.failed_columns.insert(col.clone());
                }
            }
        }
        let condition = condition?;
        if condition.data_type != DataType::Boolean {
            return self.fail(
                where_path,
                format!(
                    "a stratum's `where` must be a boolean condition, found {}",
                    condition.data_type
                ),
            );
        }
        // A stratum with a failed `set` column is not planned: its other columns would be
        // compared with the other strata's out of place.
        if set.len() < stratum.set.len() {
            return None;
        }
        Some(StratumPlan {
            name: stratum.name.clone(),
            rows: 0,
            sql: stratum.condition.clone(),
            path: where_path,
            condition: condition.physical,
            expr: condition.logical,
            set: set.into_iter().map(|(_, g)| g).collect(),
            set_params,
        })
    }

    /// The `set` columns, as the first stratum declares them: every stratum must set the same
    /// names with compatible types (integers and floats make floats). The generators of each
    /// planned stratum are put in this order and take these types.
    fn set_columns(
        &mut self,
        declared: &[Stratum],
        path: &str,
        strata: &mut [Option<StratumPlan>],
    ) -> Vec<(String, ValueType)> {
        fn sorted(s: &Stratum) -> Vec<&String> {
            let mut keys: Vec<&String> = s.set.keys().collect();
            keys.sort();
            keys
        }
        // The names most strata set (the earliest such stratum on ties) are the table's; a
        // stratum that sets others is the one in error.
        let Some(first) = declared.iter().max_by_key(|s| {
            let count = declared.iter().filter(|o| sorted(o) == sorted(s)).count();
            (
                count,
                std::cmp::Reverse(declared.iter().position(|o| std::ptr::eq(o, *s))),
            )
        }) else {
            return Vec::new();
        };
        let names: Vec<&String> = first.set.keys().collect();
        let expected = sorted(first);
        let mut types: HashMap<&str, (ValueType, usize)> = HashMap::new();
        for (i, (stratum, plan)) in declared.iter().zip(strata.iter_mut()).enumerate() {
            if sorted(stratum) != expected {
                self.problem(other_set_columns(path, i, first, stratum));
                *plan = None;
                continue;
            }
            let Some(plan) = plan else { continue };
            for (col, g) in stratum.set.keys().zip(&plan.set) {
                let (known, from) = types.entry(col).or_insert((g.value_type(), i));
                if let Err((a, b)) = unify(known, g.value_type()) {
                    let other = &declared[*from].name;
                    self.problem(Diagnostic::at(
                        format!("{path}.strata[{i}].set.{col}"),
                        format!(
                            "`{col}` is {} in stratum `{other}` but {} in `{}`",
                            a.name(),
                            b.name(),
                            stratum.name
                        ),
                    ));
                }
            }
            // In the first stratum's order.
            let mut by_name: HashMap<&String, (Generator, Vec<ParamExpr>)> = stratum
                .set
                .keys()
                .zip(plan.set.drain(..).zip(plan.set_params.drain(..)))
                .collect();
            (plan.set, plan.set_params) = names.iter().filter_map(|n| by_name.remove(n)).unzip();
        }
        let set_columns: Vec<(String, ValueType)> = names
            .into_iter()
            .map(|n| {
                let ty = types.get(n.as_str()).map_or(ValueType::Int, |t| t.0);
                (n.clone(), ty)
            })
            .collect();
        for plan in strata.iter_mut().flatten() {
            for (g, (_, ty)) in plan.set.iter_mut().zip(&set_columns) {
                if let (Generator::Number(n), ValueType::Float) = (g, ty) {
                    n.ty = NumberType::Float;
                }
            }
        }
        set_columns
    }

    /// Exact row counts per stratum: given `rows`, or shares by the largest-remainder rule.
    fn stratum_counts(&mut self, name: &str, path: &str) -> Option<Vec<u64>> {
        let table = &self.scenario.tables[name];
        let strata = &table.strata;
        let with_share = strata.iter().filter(|s| s.share.is_some()).count();
        let with_rows = strata.iter().filter(|s| s.rows.is_some()).count();
        if with_share + with_rows != strata.len() || (with_share > 0 && with_rows > 0) {
            return self.fail(
                format!("{path}.strata"),
                "give every stratum a `share`, or every stratum `rows`, not a mix",
            );
        }
        if with_rows > 0 {
            let mut counts = Vec::new();
            for (i, s) in strata.iter().enumerate() {
                let rows = s.rows?;
                counts.push(self.row_count(rows, &format!("{path}.strata[{i}].rows"))?);
            }
            let sum: u64 = counts.iter().sum();
            if let Some(r) = table.rows {
                let declared = self.row_count(r, &format!("{path}.rows"))?;
                if declared != sum {
                    return self.fail(
                        format!("{path}.rows"),
                        format!("`rows` is {declared} but the strata's rows sum to {sum}"),
                    );
                }
            }
            return Some(counts);
        }
        let Some(r) = table.rows else {
            return self.fail(
                path,
                format!("table `{name}` needs `rows` when its strata give shares"),
            );
        };
        let n = self.row_count(r, &format!("{path}.rows"))?;
        let shares: Vec<f64> = strata.iter().filter_map(|s| s.share).collect();
        for (i, s) in shares.iter().enumerate() {
            if !(0.0..=1.0).contains(s) {
                return self.fail(
                    format!("{path}.strata[{i}].share"),
                    format!("a share must be in [0, 1], found {s}"),
                );
            }
        }
        let sum: f64 = shares.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            return self.fail(
                format!("{path}.strata"),
                format!(
                    "the strata's shares sum to {} ({}), not 1",
                    trimmed_number(sum, 9),
                    shares
                        .iter()
                        .map(|s| trimmed_number(*s, 9))
                        .collect::<Vec<_>>()
                        .join(" + ")
                ),
            );
        }
        Some(largest_remainder(n, &shares))
    }
}

/// The problem of stratum `i`, which sets other columns than `first` and most strata do.
fn other_set_columns(path: &str, i: usize, first: &Stratum, stratum: &Stratum) -> Diagnostic {
    let show = |s: &Stratum| {
        s.set
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut d = Diagnostic::at(
        format!("{path}.strata[{i}].set"),
        format!(
            "every stratum sets the same columns: `{}` sets [{}], `{}` sets [{}]",
            first.name,
            show(first),
            stratum.name,
            show(stratum)
        ),
    );
    if let Some(odd) = stratum.set.keys().find(|k| !first.set.contains_key(*k)) {
        d = d.suggest(odd, first.set.keys().map(String::as_str));
    }
    d
}

/// Widens `known` to hold `ty` too (integers and floats make floats); the two types when they
/// cannot be one.
fn unify(known: &mut ValueType, ty: ValueType) -> Result<(), (ValueType, ValueType)> {
    match (*known, ty) {
        (a, b) if a == b => Ok(()),
        (ValueType::Int, ValueType::Float) | (ValueType::Float, ValueType::Int) => {
            *known = ValueType::Float;
            Ok(())
        }
        (a, b) => Err((a, b)),
    }
}

/// The names of `fields` that a linked table also has: a bare one means the row's own column.
fn shadowed(fields: &[Field], sides: &DFSchema) -> HashSet<String> {
    fields
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| sides.fields().iter().any(|f| f.name() == n))
        .collect()
}

/// `expr` with every read of an earlier pair column (`table.col`) replaced by that column's
/// expression, which reads the linked rows alone.
fn inline_pair_columns(expr: Expr, table: &str, earlier: &[PairColumn]) -> Expr {
    let own = TableReference::bare(table);
    expr.transform(|e| {
        if let Expr::Column(c) = &e
            && c.relation.as_ref() == Some(&own)
            && let Some(col) = earlier.iter().find(|p| p.name == c.name)
        {
            return Ok(Transformed::yes(col.expr.clone()));
        }
        Ok(Transformed::no(e))
    })
    .map(|t| t.data)
    .expect("the rewrite cannot fail")
}

/// `schema` plus `fields` qualified by `table` (so `topic_match` and `orders.topic_match` both resolve).
fn with_qualified(
    schema: &DFSchema,
    table: &str,
    fields: &[Field],
) -> Result<DFSchema, DataFusionError> {
    let mut all: Vec<(Option<TableReference>, Arc<Field>)> = schema
        .iter()
        .map(|(q, f)| (q.cloned(), f.clone()))
        .collect();
    all.extend(
        fields
            .iter()
            .map(|f| (Some(TableReference::bare(table)), Arc::new(f.clone()))),
    );
    DFSchema::new_with_metadata(all, HashMap::new())
}
