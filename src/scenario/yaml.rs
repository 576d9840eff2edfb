//! The one place that reads YAML.
//!
//! `serde_yaml` (archived upstream) deserializes the scenario; swapping it means
//! changing [`from_str`] only. Because serde types carry no positions, a
//! [`SpanIndex`] built from `yaml-rust2`'s event stream maps every key path
//! (`tables.customer.columns.name`, `tables.orders.strata[1].where`) to the line
//! and column where it is written, so later stages can point at the source.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::{Diagnostic, Error, Location};

/// A scenario source file: its name as given and its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user wrote it (used in messages).
    pub name: String,
    /// The file's text.
    pub text: String,
    spans: SpanIndex,
}

impl Source {
    /// Wraps a file's text and indexes the positions of its keys.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let spans = SpanIndex::build(&text);
        Source {
            name: name.into(),
            text,
            spans,
        }
    }

    /// The location of the key at `path`, or of its nearest indexed ancestor.
    pub fn locate(&self, path: &str) -> Option<Location> {
        let mut p = path;
        loop {
            if let Some(&(line, column)) = self.spans.keys.get(p) {
                return Some(self.location(line, column));
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// The location of the *value* at `path` (where a SQL string starts, say).
    pub fn locate_value(&self, path: &str) -> Option<Location> {
        match self.spans.values.get(path) {
            Some(&(line, column)) => Some(self.location(line, column)),
            None => self.locate(path),
        }
    }

    /// One error per key given twice in the same mapping (YAML parsers keep the last silently)
    /// and per whole number too large for 64 bits (they would be read as rounded floats).
    fn refuse_ambiguous_values(&self) -> Result<(), Error> {
        if self.spans.duplicates.is_empty() && self.spans.oversized.is_empty() {
            return Ok(());
        }
        let oversized = self
            .spans
            .oversized
            .iter()
            .map(|(text, (line, column), path)| {
                let mut d = Diagnostic::new(format!(
                "the integer {text} does not fit in 64 bits (from {} to {}): it would be rounded",
                i64::MIN,
                u64::MAX
            ))
            .help(format!("quote it (\"{text}\") to keep it as text"));
                d.location = Some(self.location(*line, *column));
                d.path = path.clone().filter(|p| !p.is_empty());
                d
            });
        let diagnostics = self
            .spans
            .duplicates
            .iter()
            .map(|dup| {
                let parent = match dup.parent.as_str() {
                    "" => "the top level".to_string(),
                    p => format!("`{p}`"),
                };
                let mut d = Diagnostic::new(format!(
                    "`{}` is given twice under {parent} (first on line {}): a key may appear once in a mapping",
                    dup.key, dup.first.0
                ))
                .help("remove or rename one of them");
                d.location = Some(self.location(dup.second.0, dup.second.1));
                d
            })
            .chain(oversized)
            .collect();
        Err(Error {
            severity: crate::error::Severity::Invalid,
            diagnostics,
        })
    }

    /// A location from a 1-based line and column.
    pub fn location(&self, line: usize, column: usize) -> Location {
        let text = self
            .text
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or("")
            .to_string();
        Location {
            file: self.name.clone(),
            line,
            column,
            text,
        }
    }

    /// Attaches locations to every diagnostic of an error.
    pub fn place_all(&self, e: Error) -> Error {
        Error {
            severity: e.severity,
            diagnostics: e.diagnostics.into_iter().map(|d| self.place(d)).collect(),
        }
    }

    /// Attaches the location of the diagnostic's key path, when it has one: the position
    /// inside the value it names when known, else the key.
    pub fn place(&self, mut d: Diagnostic) -> Diagnostic {
        if d.location.is_none()
            && let Some(path) = &d.path
        {
            d.location = d
                .value_position
                .and_then(|(line, column)| self.locate_in_value(path, line, column))
                .or_else(|| self.locate(path));
        }
        d
    }

    /// The file position of line `line`, column `column` (1-based) of the text of the value at
    /// `path`: a block scalar (`|`, `>`), a quoted or a plain scalar. Folded lines (`>` and
    /// plain scalars over several lines) are joined by spaces, as YAML reads them.
    pub fn locate_in_value(&self, path: &str, line: usize, column: usize) -> Option<Location> {
        let &(value_line, value_column) = self.spans.values.get(path)?;
        let lines: Vec<&str> = self.text.lines().collect();
        // A block scalar's marker is its first content line; its indicator follows the key.
        let block = self.spans.keys.get(path).and_then(|&(key_line, _)| {
            let after_key = lines.get(key_line - 1)?.split_once(':')?.1.trim_start();
            after_key.chars().next().filter(|c| matches!(c, '|' | '>'))
        });
        let first = lines.get(value_line - 1)?;
        let start: String = first.chars().skip(value_column - 1).collect();
        let (content, literal) = match (block, start.chars().next()?) {
            (Some(indicator), _) => {
                let content: Vec<(usize, usize, &str)> = lines
                    .iter()
                    .enumerate()
                    .skip(value_line - 1)
                    .take_while(|(_, l)| {
                        l.trim().is_empty() || l.len() - l.trim_start().len() + 1 >= value_column
                    })
                    .filter(|(_, l)| !l.trim().is_empty())
                    .map(|(i, l)| (i + 1, l.len() - l.trim_start().len() + 1, l.trim()))
                    .collect();
                (content, indicator == '|')
            }
            (None, quote @ ('"' | '\'')) => {
                let text = start[1..].split(quote).next().unwrap_or("");
                (vec![(value_line, value_column + 1, text)], true)
            }
            (None, _) => (vec![(value_line, value_column, start.trim_end())], true),
        };
        if block == Some('|') {
            // A literal block keeps its lines, blank ones too, less the first line's indentation.
            return Some(self.location(value_line + line - 1, value_column + column - 1));
        }
        if literal {
            let (file_line, indent, _) = content.get(line - 1)?;
            return Some(self.location(*file_line, indent + column - 1));
        }
        // Folded: the text is the lines joined by spaces.
        let mut left = column;
        for (file_line, indent, text) in &content {
            let width = text.chars().count() + 1;
            if left <= width {
                return Some(self.location(*file_line, indent + left - 1));
            }
            left -= width;
        }
        None
    }
}

/// Deserializes a YAML document into `T`, reporting the key path and position of the first error.
pub fn from_str<T: DeserializeOwned>(source: &Source) -> Result<T, Error> {
    if source.text.trim().is_empty() {
        return Err(Error::invalid(Diagnostic::new(format!(
            "{} is empty: expected a scenario mapping",
            source.name
        ))));
    }
    source.refuse_ambiguous_values()?;
    let de = serde_yaml::Deserializer::from_str(&source.text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Error::invalid(yaml_diagnostic(source, &path, &inner))
    })
}

fn yaml_diagnostic(source: &Source, path: &str, e: &serde_yaml::Error) -> Diagnostic {
    let mut message = message_of(e);
    // serde_yaml prefixes its own path ("tables.customer: ..."); we print ours separately.
    if let Some((head, rest)) = message.split_once(": ")
        && !head.contains(' ')
        && (head.contains('.') || head.contains('[') || path.starts_with(head))
    {
        message = rest.to_string();
    }
    let mut d = Diagnostic::new(message.clone());
    if path != "." && !path.is_empty() && !path.contains('?') {
        d.path = Some(path.to_string());
    }
    d.location = match e.location() {
        Some(loc) => Some(source.location(loc.line(), loc.column())),
        None => d.path.as_deref().and_then(|p| source.locate(p)),
    };
    if let Some((wrong, expected)) = unknown_field(&message) {
        d = d.suggest(&wrong, expected.iter().map(String::as_str));
    }
    let at = d.location.as_ref().map(|l| (l.line, l.column));
    if let Some(field) = missing_field(&message)
        && let Some((key_line, key_column)) = at
        && let Some((line, column)) = misindented_key(source, key_line, key_column, field)
    {
        d = d.help(format!(
            "`{field}` on line {line} starts at column {column}, but the keys of this mapping start at column {key_column}: indent it like them"
        ));
    }
    if message.contains("did not find expected")
        || message.contains("mapping values are not allowed")
    {
        d = d.help("check the indentation and that every `key: value` has a space after the colon");
    }
    d
}

/// The field of serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    Some(&rest[..rest.find('`')?])
}

/// A key `field:` written near the block mapping whose keys start at (`line`, `column`) but at
/// another indentation: its line and column. Looks on until a line less indented than the
/// mapping's item could be.
fn misindented_key(
    source: &Source,
    line: usize,
    column: usize,
    field: &str,
) -> Option<(usize, usize)> {
    let lines: Vec<&str> = source.text.lines().collect();
    let first = lines.get(line - 1)?;
    if first.chars().nth(column - 1) == Some('{') {
        return None;
    }
    for (i, text) in lines.iter().enumerate().skip(line).take(200) {
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let at = text.len() - trimmed.len() + 1;
        if at + 2 < column {
            return None;
        }
        let key = trimmed.strip_prefix(field).map(str::trim_start);
        if at != column && key.is_some_and(|k| k.starts_with(':')) {
            return Some((i + 1, at));
        }
    }
    None
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" into (x, [a, b]).
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    let wrong = rest[..end].to_string();
    let expected = rest[end..]
        .split('`')
        .skip(2)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((wrong, expected))
}

/// Line and column (1-based) of every key and value, by key path.
#[derive(Debug, Clone, Default)]
struct SpanIndex {
    keys: HashMap<String, (usize, usize)>,
    values: HashMap<String, (usize, usize)>,
    /// Keys given twice in one mapping.
    duplicates: Vec<DuplicateKey>,
    /// Plain whole numbers no 64-bit integer holds (YAML would read them as rounded floats):
    /// the text, its position and its key path (a value's).
    oversized: Vec<(String, (usize, usize), Option<String>)>,
}

/// A key given a second time in one mapping.
#[derive(Debug, Clone)]
struct DuplicateKey {
    /// The mapping's path (empty at the top level).
    parent: String,
    key: String,
    first: (usize, usize),
    second: (usize, usize),
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, index: usize },
}

#[derive(Default)]
struct Builder {
    index: SpanIndex,
    stack: Vec<Frame>,
}

impl Builder {
    /// The path of the value that the next event starts, or None when the next event is a key.
    fn next_value_path(&mut self, mark: Marker) -> Option<String> {
        let pos = (mark.line(), mark.col() + 1);
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map { path, key }) => {
                let k = key.take().unwrap_or_default();
                let p = if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                };
                self.index.values.insert(p.clone(), pos);
                Some(p)
            }
            Some(Frame::Seq { path, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                self.index.keys.insert(p.clone(), pos);
                self.index.values.insert(p.clone(), pos);
                Some(p)
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, style, ..) => {
                let value_path = self.next_value_path(mark);
                if style == TScalarStyle::Plain && is_oversized_integer(&text) {
                    let pos = (mark.line(), mark.col() + 1);
                    self.index
                        .oversized
                        .push((text.clone(), pos, value_path.clone()));
                }
                if value_path.is_none()
                    && let Some(Frame::Map { path, key }) = self.stack.last_mut()
                {
                    let p = if path.is_empty() {
                        text.clone()
                    } else {
                        format!("{path}.{text}")
                    };
                    let pos = (mark.line(), mark.col() + 1);
                    match self.index.keys.entry(p.clone()) {
                        // The keys under a duplicate key repeat its first's: one error.
                        Entry::Occupied(_)
                            if self.index.duplicates.iter().any(|d| {
                                let dup = join_key(&d.parent, &d.key);
                                p.len() > dup.len()
                                    && p.starts_with(&dup)
                                    && matches!(p.as_bytes()[dup.len()], b'.' | b'[')
                            }) => {}
                        Entry::Occupied(first) => {
                            self.index.duplicates.push(DuplicateKey {
                                parent: path.clone(),
                                key: text.clone(),
                                first: *first.get(),
                                second: pos,
                            });
                        }
                        Entry::Vacant(v) => {
                            v.insert(pos);
                        }
                    }
                    *key = Some(text);
                }
            }
            Event::MappingStart(..) => {
                let path = self.next_value_path(mark).unwrap_or_default();
                self.stack.push(Frame::Map { path, key: None });
            }
            Event::SequenceStart(..) => {
                let path = self.next_value_path(mark).unwrap_or_default();
                self.stack.push(Frame::Seq { path, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Alias(_) => {
                self.next_value_path(mark);
            }
            _ => {}
        }
    }
}

/// The path of `key` in the mapping at `parent`.
fn join_key(parent: &str, key: &str) -> String {
    match parent.is_empty() {
        true => key.to_string(),
        false => format!("{parent}.{key}"),
    }
}

/// Whether `text` is a plain YAML integer (`[-+]?[0-9]+`) outside what 64 bits hold
/// (`i64::MIN` to `u64::MAX`).
fn is_oversized_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<i64>().is_err()
        && text.parse::<u64>().is_err()
}

impl SpanIndex {
    fn build(text: &str) -> SpanIndex {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        // A syntax error is reported by serde_yaml with its own position; the index is best effort.
        let _ = parser.load(&mut builder, false);
        builder.index
    }
}

/// One override of a scenario value: `--set PATH=VALUE`, or an entry of a variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The key path, as in error messages (`tables.murid.rows`, strata by name or `[i]`).
    pub path: String,
    /// The value as YAML text.
    pub value: String,
    /// How the user gave it, for messages and the report (`--set tables.murid.rows=500`).
    pub origin: String,
    /// A variant's entry: its key path in the file (`variants.drift.tables.t.rows`), where
    /// errors it causes point.
    pub entry: Option<String>,
}

/// Deserializes the scenario with the settings applied in order (a variant's entries first,
/// then `--set`). A setting that does not fit (a path that does not exist, a value of the
/// wrong type) is an error that names it.
pub fn with_settings<T: DeserializeOwned>(
    source: &Source,
    variant: Option<&str>,
    sets: &[Setting],
) -> Result<(T, Vec<Setting>), Error> {
    source.refuse_ambiguous_values()?;
    let mut root: serde_yaml::Value = serde_yaml::from_str(&source.text)
        .map_err(|e| Error::invalid(yaml_diagnostic(source, "", &e)))?;
    let mut settings = Vec::new();
    if let Some(name) = variant {
        // Taken whole before any is applied: an entry may replace `variants` itself.
        settings.extend(variant_settings(&root, name)?);
    }
    settings.extend(sets.iter().cloned());
    for s in &mut settings {
        if let Err(e) = Source::new(&s.origin, &s.value).refuse_ambiguous_values() {
            let first = e.diagnostics.into_iter().next().map(|d| d.message);
            return Err(setting_error(s, first.unwrap_or_default()));
        }
        let value: serde_yaml::Value = serde_yaml::from_str(&s.value)
            .map_err(|e| setting_error(s, format!("the value is not YAML: {e}")))?;
        // Errors name sequence items by index: keep the path in that form.
        s.path = set(&mut root, &s.path, value).map_err(|m| setting_error(s, m))?;
    }
    let scenario = serde_path_to_error::deserialize(root).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let blamed = settings
            .iter()
            .rev()
            .find(|s| path.starts_with(&s.path) || s.path.starts_with(&path));
        match blamed {
            Some(s) => setting_error(s, format!("{} (at `{path}`)", message_of(&inner))),
            None => Error::invalid(yaml_diagnostic(source, &path, &inner)),
        }
    })?;
    Ok((scenario, settings))
}

/// serde_yaml's message without its position (ours is printed separately).
fn message_of(e: &serde_yaml::Error) -> String {
    let mut message = e.to_string();
    if let Some(at) = message.find(" at line ") {
        message.truncate(at);
    }
    message
}

fn setting_error(s: &Setting, message: impl Into<String>) -> Error {
    Error::invalid(Diagnostic::new(format!("{}: {}", s.origin, message.into())))
}

/// The entries of variant `name`, in the order they are written.
fn variant_settings(root: &serde_yaml::Value, name: &str) -> Result<Vec<Setting>, Error> {
    let variants = root.get("variants").and_then(|v| v.as_mapping());
    let names: Vec<String> = variants
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let Some(entries) = variants
        .and_then(|m| m.get(name))
        .and_then(|v| v.as_mapping())
    else {
        let d = Diagnostic::new(format!(
            "--variant {name}: the scenario has no variant `{name}`"
        ))
        .suggest(name, names.iter().map(String::as_str));
        return Err(Error::invalid(match names.is_empty() {
            true => d.help("declare it under `variants:` at the top level"),
            false => d,
        }));
    };
    Ok(entries
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
        .map(|(path, value)| {
            let text = serde_yaml::to_string(value).unwrap_or_default();
            let text = text.trim();
            Setting {
                path: path.to_string(),
                value: text.to_string(),
                origin: format!("variant `{name}`: {path}={}", one_line(text)),
                entry: Some(format!("variants.{name}.{path}")),
            }
        })
        .collect())
}

/// A YAML value's text on one line, for messages (`[0, 2]`, not a block list).
fn one_line(text: &str) -> String {
    match serde_yaml::from_str::<serde_json::Value>(text) {
        Ok(v) if !v.is_string() => v.to_string(),
        _ => text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Puts `value` at `path`: mapping keys by name (the last may be new), sequence items by
/// `[i]` or by their `name`. Returns the path with items by index.
fn set(
    root: &mut serde_yaml::Value,
    path: &str,
    value: serde_yaml::Value,
) -> Result<String, String> {
    let steps = steps(path)?;
    let mut node = root;
    let mut at = String::new();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        // A sequence item named by its `name` is written by index in the path returned.
        let mut index_of_name = None;
        node = match (step, node) {
            (Step::Key(k), serde_yaml::Value::Mapping(m)) => {
                let key = serde_yaml::Value::String(k.clone());
                if !m.contains_key(&key) {
                    if !last {
                        let known: Vec<&str> = m.keys().filter_map(|k| k.as_str()).collect();
                        return Err(missing(&at, k, &known));
                    }
                    m.insert(key.clone(), serde_yaml::Value::Null);
                }
                m.get_mut(&key).expect("present")
            }
            (Step::Key(k), serde_yaml::Value::Sequence(items)) => {
                let found = items
                    .iter()
                    .position(|item| item.get("name").and_then(|n| n.as_str()) == Some(k.as_str()));
                let Some(index) = found else {
                    let known: Vec<&str> = items
                        .iter()
                        .filter_map(|item| item.get("name")?.as_str())
                        .collect();
                    return Err(missing(&at, k, &known));
                };
                index_of_name = Some(index);
                &mut items[index]
            }
            (Step::Index(n), serde_yaml::Value::Sequence(items)) => {
                let len = items.len();
                items
                    .get_mut(*n)
                    .ok_or_else(|| format!("`{at}` has {len} items, so no [{n}]"))?
            }
            (step, _) => {
                return Err(format!(
                    "`{at}` holds a single value: it has no `{}`",
                    step.text()
                ));
            }
        };
        at = match (step, index_of_name) {
            (_, Some(n)) | (&Step::Index(n), _) => format!("{at}[{n}]"),
            (Step::Key(k), None) if at.is_empty() => k.clone(),
            (Step::Key(k), None) => format!("{at}.{k}"),
        };
    }
    *node = value;
    Ok(at)
}

fn missing(at: &str, key: &str, known: &[&str]) -> String {
    let at = match at.is_empty() {
        true => "the scenario".to_string(),
        false => format!("`{at}`"),
    };
    let mut m = format!("{at} has no `{key}`");
    if let Some(close) = crate::error::did_you_mean(key, known.iter().copied()) {
        m.push_str(&format!("; did you mean `{close}`?"));
    } else if !known.is_empty() {
        m.push_str(&format!(" (it has {})", known.join(", ")));
    }
    m
}

/// One step of a key path.
enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    fn text(&self) -> String {
        match self {
            Step::Key(k) => k.clone(),
            Step::Index(n) => format!("[{n}]"),
        }
    }
}

/// `tables.orders.strata[1].where` as steps.
fn steps(path: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let (n, tail) = r
                .split_once(']')
                .ok_or_else(|| format!("`{path}`: a `[` is not closed"))?;
            out.push(Step::Index(
                n.parse()
                    .map_err(|_| format!("`{path}`: `[{n}]` is not an index"))?,
            ));
            rest = tail;
        }
        if key.is_empty() && out.is_empty() || !rest.is_empty() {
            return Err(format!("`{path}` is not a key path"));
        }
    }
    match out.is_empty() {
        true => Err("an empty key path".into()),
        false => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_block_and_flow_keys() {
        let src = Source::new(
            "s.yaml",
            "a:\n  b: 1\n  c: { d: [x, y] }\nlist:\n  - name: one\n  - name: two\n",
        );
        assert_eq!(src.locate("a.b").map(|l| (l.line, l.column)), Some((2, 3)));
        assert_eq!(
            src.locate("a.c.d").map(|l| (l.line, l.column)),
            Some((3, 8))
        );
        assert_eq!(
            src.locate("list[1].name").map(|l| (l.line, l.column)),
            Some((6, 5))
        );
        assert_eq!(src.locate("a.zzz").map(|l| l.line), Some(1));
    }

    #[test]
    fn positions_inside_values_are_placed_in_the_file() {
        let src = Source::new(
            "s.yaml",
            "f: |\n  SELECT x\n  FROM a\n  WHERE x = = 1\ng: \"SELECT = 1\"\nh: SELECT = 1\nc: >\n  SELECT x\n  FROM a WHERE = 1\ni: |\n  SELECT x\n\n    AND = 1\n",
        );
        let at = |path: &str, line, column| {
            src.locate_in_value(path, line, column)
                .map(|l| (l.line, l.column))
        };
        assert_eq!(at("f", 3, 11), Some((4, 13)));
        assert_eq!(
            at("i", 3, 7),
            Some((13, 9)),
            "blank and more-indented lines count"
        );
        assert_eq!(at("g", 1, 8), Some((5, 12)));
        assert_eq!(at("h", 1, 8), Some((6, 11)));
        // `SELECT x FROM a WHERE = 1`: column 23 is the `=` on the second folded line.
        assert_eq!(at("c", 1, 23), Some((9, 16)));
    }
}
