//! The SQL stages and the split: aliases, feature queries, checks, insights, `split`.

use std::collections::BTreeSet;

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::TableReference;
use indexmap::IndexMap;

use super::{Analyzer, is_identifier, table_key};
use crate::error::{Diagnostic, engine_message};
use crate::plan::{NamedQuery, SplitPlan};
use crate::scenario::OnLeak;

impl Analyzer<'_> {
    /// Registers `sql.aliases` in the planning engine; returns those that point to a table.
    pub(super) fn aliases(&mut self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (alias, target) in &self.scenario.sql.aliases {
            let path = format!("sql.aliases.{alias}");
            let before = self.problems.len();
            if self.reads_failed_input([target.as_str()], &format!("alias `{alias}`")) {
                self.mark_failed(alias, before);
                continue;
            }
            let Some(target) = self.known_name(target) else {
                let key = table_key(target);
                if !self.already_unknown(&key, &path) {
                    let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
                    self.problem(
                        Diagnostic::at(
                            path,
                            format!("alias `{alias}` points to unknown table `{target}`"),
                        )
                        .suggest(target, known.iter().copied()),
                    );
                    self.record_unknown(key);
                }
                self.mark_failed(alias, before);
                continue;
            };
            if alias.split('.').count() > 2 || alias.split('.').any(|p| !is_identifier(p)) {
                self.problem(Diagnostic::at(
                    path,
                    format!("alias `{alias}` must be `name` or `dataset.name`"),
                ));
                self.mark_failed(alias, before);
                continue;
            }
            if let Err(e) = self.engine.register_alias(alias, &target) {
                self.problem(Diagnostic::at(path, e.render()));
                self.mark_failed(alias, before);
                continue;
            }
            out.push((alias.clone(), target));
        }
        out
    }

    /// The declared table or feature `name` refers to (SQL names are case-insensitive).
    fn known_name(&self, name: &str) -> Option<String> {
        self.schemas
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// The table, feature or alias a SQL table reference names, as declared in the scenario
    /// (whether or not it passed analysis).
    fn resolve_reference(&self, reference: &TableReference) -> Option<String> {
        fn declared<'s>(name: &str, mut names: impl Iterator<Item = &'s String>) -> Option<String> {
            names.find(|a| a.eq_ignore_ascii_case(name)).cloned()
        }
        let s = self.scenario;
        let table = reference.table();
        match reference.schema() {
            None | Some("public") => declared(
                table,
                s.tables
                    .keys()
                    .chain(s.features.keys())
                    .chain(s.sql.aliases.keys()),
            ),
            Some(schema) => declared(&format!("{schema}.{table}"), s.sql.aliases.keys()),
        }
    }

    /// The table or feature behind a resolved reference (aliases followed).
    fn alias_target(&self, name: String) -> String {
        self.scenario
            .sql
            .aliases
            .get(&name)
            .and_then(|t| self.known_name(t))
            .unwrap_or(name)
    }

    /// Plans named queries; features are registered so later queries can read them.
    pub(super) fn queries(
        &mut self,
        queries: &IndexMap<String, String>,
        section: &str,
        register: bool,
    ) -> Vec<NamedQuery> {
        self.scope = super::Scope::default();
        let kind = section.trim_end_matches('s');
        let mut out = Vec::new();
        for (name, sql) in queries {
            let path = format!("{section}.{name}");
            let before = self.problems.len();
            if let Some(query) = self.query(name, sql, kind, &path, register) {
                out.push(query);
            } else if register {
                self.mark_failed(name, before);
            }
        }
        out
    }

    fn query(
        &mut self,
        name: &str,
        sql: &str,
        kind: &str,
        path: &str,
        register: bool,
    ) -> Option<NamedQuery> {
        if register && !is_identifier(name) {
            return self.fail(
                path,
                format!("feature name `{name}` must be a SQL identifier"),
            );
        }
        if register && self.known_name(name).is_some() {
            return self.fail(path, format!("feature `{name}` has the name of a table"));
        }
        if let Ok(references) = self.engine.statement_references(sql) {
            let names: Vec<String> = references
                .iter()
                .filter_map(|r| self.resolve_reference(r))
                .collect();
            if self.reads_failed_input(
                names.iter().map(String::as_str),
                &format!("{kind} `{name}`"),
            ) {
                return None;
            }
        }
        let planned = match self.engine.plan(sql) {
            Ok(planned) => planned,
            Err(e) => {
                self.query_problem(&engine_message(&e), &format!("{kind} `{name}`"), path);
                return None;
            }
        };
        let reads: BTreeSet<String> = planned
            .scans
            .iter()
            .filter_map(|r| self.resolve_reference(r))
            .map(|n| self.alias_target(n))
            .collect();
        if register {
            if let Err(e) = self.engine.register(name, planned.schema.clone(), vec![]) {
                return self.fail(path, e.render());
            }
            self.schemas
                .insert(name.to_string(), planned.schema.clone());
        }
        Some(NamedQuery {
            name: name.to_string(),
            sql: sql.to_string(),
            path: path.to_string(),
            schema: planned.schema,
            reads,
        })
    }

    /// When `column` is a hidden column of a table: what to say about it.
    fn hidden_owner(&self, column: &str) -> Option<String> {
        let (table, _) = self.schemas.iter().find(|(table, all)| {
            all.field_with_name(column).is_ok()
                && self
                    .written_schemas
                    .get(*table)
                    .is_some_and(|written| written.field_with_name(column).is_err())
        })?;
        Some(format!(
            "`{column}` is a hidden column of table `{table}`: later tables read it, SQL queries and the split do not; take it out of `hidden` to query it"
        ))
    }

    /// Reports a query the engine could not plan, once per unknown table or column.
    fn query_problem(&mut self, message: &str, what: &str, path: &str) {
        let missing = unknown_table(message);
        if let Some(table) = &missing
            && self.already_unknown(&table_key(table), path)
        {
            return;
        }
        let column = super::unknown_column(message).map(|c| self.column_key(&c));
        if let Some(key) = &column
            && self.already_unknown(key, path)
        {
            return;
        }
        let mut d = Diagnostic::at(path, format!("{what} is not a valid query"))
            .note(format!("SQL engine: {message}"))
            .at_parser_position(message);
        if message.contains("Interval") {
            d = d.help(super::DATE_ARITHMETIC_HELP);
        }
        if let Some(owner) = super::unknown_column(message).and_then(|c| self.hidden_owner(&c)) {
            d = d.help(owner);
        }
        let Some(table) = missing else {
            self.problem(d);
            if let Some(key) = column {
                self.record_unknown(key);
            }
            return;
        };
        let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
        d = d.suggest(&table, known.iter().copied());
        if d.help.is_none() {
            d = d.help(format!("tables: {}", known.join(", ")));
        }
        self.problem(d);
        self.record_unknown(table_key(&table));
    }

    /// The split's source: its name as known and the schema the split sees.
    fn split_source(&mut self, split: &crate::scenario::Split) -> Option<(String, SchemaRef)> {
        if self.reads_failed_input([split.from.as_str()], "the split") {
            return None;
        }
        let Some(from) = self.known_name(&split.from) else {
            let key = table_key(&split.from);
            if self.already_unknown(&key, "split.from") {
                return None;
            }
            let known: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
            self.problem(
                Diagnostic::at(
                    "split.from",
                    format!("unknown table or feature `{}`", split.from),
                )
                .suggest(&split.from, known.iter().copied()),
            );
            self.record_unknown(key);
            return None;
        };
        let schema = self
            .written_schemas
            .get(&from)
            .unwrap_or(&self.schemas[&from])
            .clone();
        Some((from, schema))
    }

    /// The column the split stratifies by: the target unless `stratify` says otherwise; none
    /// for a time split.
    fn stratify(&mut self, split: &crate::scenario::Split) -> Option<String> {
        match split.stratify.as_deref() {
            Some("none") => None,
            Some(_) if split.order_by.is_some() => {
                self.problem(Diagnostic::at(
                    "split.stratify",
                    "a time split (`order_by`) takes the latest rows as they are: it cannot also stratify",
                ));
                None
            }
            Some(c) => Some(c.to_string()),
            None if split.order_by.is_some() => None,
            None => Some(split.target.clone()),
        }
    }

    pub(super) fn split(&mut self) -> Option<SplitPlan> {
        let split = self.scenario.split.as_ref()?;
        let (from, schema) = self.split_source(split)?;
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let before = self.problems.len();
        let require = |a: &mut Self, col: &str, path: String| {
            let key = a.column_key(col);
            if !names.contains(&col) && !a.already_unknown(&key, &path) {
                a.problem(
                    Diagnostic::at(path, format!("`{}` has no column `{col}`", split.from))
                        .suggest(col, names.iter().copied()),
                );
                a.record_unknown(key);
            }
        };
        require(self, &split.target, "split.target".into());
        if let Ok(field) = schema.field_with_name(&split.target)
            && let Some(d) = crate::plan::target_type_problem(&split.target, field.data_type())
        {
            self.problem(d);
        }
        for (i, c) in split.drop.iter().enumerate() {
            require(self, c, format!("split.drop[{i}]"));
        }
        for (i, c) in split.standardize.iter().enumerate() {
            require(self, c, format!("split.standardize[{i}]"));
        }
        self.check_standardize(split, &schema);
        for (key, column) in [("group", &split.group), ("order_by", &split.order_by)] {
            if let Some(c) = column {
                require(self, c, format!("split.{key}"));
            }
        }
        if split.group.is_some() && split.order_by.is_some() {
            self.problem(Diagnostic::at(
                "split.order_by",
                "a split is either grouped (`group`) or by time (`order_by`), not both",
            ));
        }
        let stratify = self.stratify(split);
        if let Some(c) = &stratify {
            require(self, c, "split.stratify".into());
        }
        self.check_split_numbers(split);
        let t = split.audit.leak_threshold;
        let features: Vec<String> = names
            .iter()
            .filter(|n| **n != split.target && !split.drop.iter().any(|d| d == *n))
            .map(|s| s.to_string())
            .collect();
        self.check_encodable(&schema, &features);
        let impute = self.impute(split, &schema, &features);
        let dropped_text = dropped_text(split, &schema);
        if self.problems.len() > before {
            return None;
        }
        Some(SplitPlan {
            from,
            target: split.target.clone(),
            features,
            standardize: split.standardize.clone(),
            test_size: split.test_size,
            stratify,
            seed: split.seed.unwrap_or(self.seed()),
            max_categories: split.max_categories,
            group: split.group.clone(),
            order_by: split.order_by.clone(),
            drop_first: split.one_hot.drop_first,
            impute,
            dropped_text,
            leak_threshold: t,
            leak_is_error: split.audit.on_leak == OnLeak::Error,
        })
    }
}

/// The text columns `split.drop` leaves out of X (the audit counts their values in both parts).
fn dropped_text(split: &crate::scenario::Split, schema: &SchemaRef) -> Vec<String> {
    split
        .drop
        .iter()
        .filter(|c| {
            schema.field_with_name(c).is_ok_and(|f| {
                matches!(
                    f.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
            })
        })
        .cloned()
        .collect()
}

impl Analyzer<'_> {
    /// The test share and the leak threshold must be in their ranges.
    fn check_split_numbers(&mut self, split: &crate::scenario::Split) {
        if !(split.test_size > 0.0 && split.test_size < 1.0) {
            self.problem(Diagnostic::at(
                "split.test_size",
                format!("test_size must be in (0, 1), found {}", split.test_size),
            ));
        }
        let t = split.audit.leak_threshold;
        if !(0.5..=1.0).contains(&t) {
            self.problem(Diagnostic::at(
                "split.audit.leak_threshold",
                format!("leak_threshold must be in [0.5, 1], found {t}"),
            ));
        }
    }

    /// Standardised columns must be numeric features.
    fn check_standardize(&mut self, split: &crate::scenario::Split, schema: &SchemaRef) {
        for (i, c) in split.standardize.iter().enumerate() {
            let Ok(f) = schema.field_with_name(c) else {
                continue;
            };
            let path = format!("split.standardize[{i}]");
            if !f.data_type().is_numeric() {
                self.problem(Diagnostic::at(
                    &path,
                    format!(
                        "cannot standardise `{c}`: it is {}, not a number",
                        f.data_type()
                    ),
                ));
            }
            if split.drop.contains(c) || *c == split.target {
                self.problem(Diagnostic::at(
                    path,
                    format!("`{c}` is dropped or is the target, so it cannot be standardised"),
                ));
            }
        }
    }

    /// Every feature must be a boolean, a number or text; the others need `split.drop`.
    fn check_encodable(&mut self, schema: &SchemaRef, features: &[String]) {
        for feature in features {
            let Ok(field) = schema.field_with_name(feature) else {
                continue;
            };
            let data_type = field.data_type();
            if !encodable(data_type) {
                self.problem(
                    Diagnostic::at(
                        "split.drop",
                        format!("feature `{feature}` is {data_type}, which cannot be encoded in X"),
                    )
                    .help(format!("add `{feature}` to `split.drop`, or make a number of it in the feature query")),
                );
            }
        }
    }
}

/// Whether the split can encode a column of this type in X (booleans, numbers and text).
pub fn encodable(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Boolean | DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) || t.is_integer()
        || t.is_floating()
        || matches!(t, DataType::Decimal128(..))
}

/// The table DataFusion says it cannot find, from its "table 'x' not found" message.
fn unknown_table(message: &str) -> Option<String> {
    let rest = &message[message.find("table '")? + "table '".len()..];
    let name = &rest[..rest.find('\'')?];
    Some(name.rsplit('.').next().unwrap_or(name).to_string())
}
