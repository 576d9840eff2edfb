//! `tutas sql`: the scenario's tables and its feature, check and insight SQL, written for
//! another engine.

use crate::error::{Diagnostic, Error, Result};
use crate::plan::{Plan, TableKind, ValueType};
use crate::scenario::yaml::Source;
use crate::sql::dialect::{Target, translate, type_name};

/// The scenario's tables and queries for one engine, in the scenario's order.
#[derive(Debug)]
pub struct Exported {
    /// Each table: its name and its columns' names and the engine's type names.
    pub tables: Vec<(String, Vec<(String, &'static str)>)>,
    /// The tables tutas generates (all but `source` files): those `--parts` makes.
    pub generated: Vec<String>,
    /// `features`, `checks` and `insights`: each query's name and SQL.
    pub sections: Vec<(&'static str, Vec<(String, String)>)>,
    /// `section.name` of each query and where the scenario declares it (`file:line:column`),
    /// for messages that point where tutas's own do.
    pub locations: Vec<(String, String)>,
    /// How the CSV files spell date-times and booleans (`output`), for loading them.
    pub output: Vec<(String, String)>,
}

/// Writes the plan's tables and queries for `target`; a query that cannot be written for it
/// is an error at its key path.
pub fn export(plan: &Plan, source: &Source, target: Target) -> Result<Exported> {
    let tables = plan
        .tables
        .iter()
        .map(|t| {
            let columns = t
                .schema
                .fields()
                .iter()
                .map(|f| {
                    let ty = ValueType::from_arrow(f.data_type()).ok_or_else(|| {
                        Error::msg(format!(
                            "column `{}.{}` of type {} has no {target:?} type",
                            t.name,
                            f.name(),
                            f.data_type()
                        ))
                    })?;
                    Ok((f.name().clone(), type_name(ty, target)))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((t.name.clone(), columns))
        })
        .collect::<Result<Vec<_>>>()?;
    let generated = plan
        .tables
        .iter()
        .filter(|t| !matches!(t.kind, TableKind::Source(_)))
        .map(|t| t.name.clone())
        .collect();
    let mut sections = Vec::new();
    let mut locations = Vec::new();
    for (section, queries) in [
        ("features", &plan.features),
        ("checks", &plan.checks),
        ("insights", &plan.insights),
    ] {
        let mut written = Vec::new();
        for q in queries {
            let sql = translate(&q.sql, &plan.dialect, target, &plan.aliases).map_err(|e| {
                Error::invalid(Diagnostic::at(
                    &q.path,
                    format!("`{}` cannot be written for {target:?}: {e}", q.name),
                ))
            })?;
            written.push((q.name.clone(), sql));
            if let Some(at) = source.place(Diagnostic::at(&q.path, "")).location {
                let place = format!("{}:{}:{}", at.file, at.line, at.column);
                locations.push((format!("{section}.{}", q.name), place));
            }
        }
        sections.push((section, written));
    }
    let booleans = match plan.booleans {
        crate::scenario::BoolStyle::Lower => "lower",
        crate::scenario::BoolStyle::Title => "title",
        crate::scenario::BoolStyle::Int => "int",
    };
    let output = vec![
        (
            "datetime_format".to_string(),
            plan.datetime_format.pattern(),
        ),
        ("booleans".to_string(), booleans.to_string()),
    ];
    Ok(Exported {
        tables,
        generated,
        sections,
        locations,
        output,
    })
}

impl Exported {
    /// `{"tables": {name: {column: type}}, "generated": [name], "features": {name: sql},
    /// "checks": {...}, "insights": {...}, "locations": {"section.name": "file:line:column"},
    /// "output": {"datetime_format": "%Y-%m-%d %H:%M:%S", "booleans": "lower"}}`,
    /// keys in the scenario's order (features may read earlier ones).
    pub fn to_json(&self) -> String {
        let tables = self.tables.iter().map(|(name, columns)| {
            let columns = columns
                .iter()
                .map(|(c, ty)| (c.clone(), quoted(ty)))
                .collect::<Vec<_>>();
            (name.clone(), object(&columns, 6))
        });
        let generated: Vec<String> = self.generated.iter().map(|t| quoted(t)).collect();
        let mut top = vec![
            ("tables".to_string(), object(&tables.collect::<Vec<_>>(), 4)),
            (
                "generated".to_string(),
                format!("[{}]", generated.join(", ")),
            ),
        ];
        for (section, queries) in &self.sections {
            let queries: Vec<_> = queries
                .iter()
                .map(|(n, sql)| (n.clone(), quoted(sql)))
                .collect();
            top.push((section.to_string(), object(&queries, 4)));
        }
        let texts = |pairs: &[(String, String)]| {
            let quoted: Vec<_> = pairs.iter().map(|(k, v)| (k.clone(), quoted(v))).collect();
            object(&quoted, 4)
        };
        top.push(("locations".to_string(), texts(&self.locations)));
        top.push(("output".to_string(), texts(&self.output)));
        object(&top, 2) + "\n"
    }

    /// Each query as `-- section.name` and its SQL, ended by `;`.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for (section, queries) in &self.sections {
            for (name, sql) in queries {
                out.push_str(&format!("-- {section}.{name}\n{sql};\n\n"));
            }
        }
        out
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string is JSON")
}

/// A JSON object of already-written values, in the given order, members indented by `indent`.
fn object(members: &[(String, String)], indent: usize) -> String {
    if members.is_empty() {
        return "{}".into();
    }
    let pad = " ".repeat(indent);
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{pad}{}: {v}", quoted(k)))
        .collect();
    format!("{{\n{}\n{}}}", body.join(",\n"), &pad[..indent - 2])
}
