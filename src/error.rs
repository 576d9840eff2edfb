//! Errors: what went wrong, where in the scenario, and how to fix it.
//!
//! Every failure is a [`Error`] holding one or more [`Diagnostic`]s. A diagnostic
//! separates *what* (the message) from *where* (a key path and, when known, a
//! file position); [`Error::render`] is the one place that formats them.

use std::fmt;

/// Exit code of a successful run.
pub const EXIT_OK: i32 = 0;
/// Exit code of a runtime failure (failed check, I/O error, impossible stratum at run time).
pub const EXIT_RUNTIME: i32 = 1;
/// Exit code of an invalid scenario or command line.
pub const EXIT_INVALID: i32 = 2;

/// Whether the user's input or the run itself failed; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The scenario (or command line) is invalid: exit 2.
    Invalid,
    /// The scenario is valid but the run failed: exit 1.
    Runtime,
}

/// A position in a source file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The text of that line, for the caret display.
    pub text: String,
}

/// One problem.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// What is wrong, in one sentence.
    pub message: String,
    /// Key path in the scenario, e.g. `tables.murid.columns.nama`.
    pub path: Option<String>,
    /// Position in the scenario file, when known.
    pub location: Option<Location>,
    /// A position (1-based line and column) inside the text of the value at `path`, e.g. where
    /// a SQL parser stopped; placed in the file by [`crate::scenario::yaml::Source::place`].
    pub value_position: Option<(usize, usize)>,
    /// Further lines: details, data, suggestions.
    pub notes: Vec<String>,
    /// A suggestion such as "did you mean `uniform_int`?".
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            path: None,
            location: None,
            value_position: None,
            notes: Vec::new(),
            help: None,
        }
    }

    /// A diagnostic about the key at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: Some(path.into()),
            ..Diagnostic::new(message)
        }
    }

    /// Adds a note line.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Points at a position inside the value's text: the SQL parser's `Line: L, Column: C`,
    /// when `engine_message` holds one.
    pub fn at_parser_position(mut self, engine_message: &str) -> Self {
        self.value_position = parser_position(engine_message);
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line to "did you mean …?" when a close candidate exists.
    pub fn suggest<'a>(self, wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match did_you_mean(wrong, candidates) {
            Some(s) => self.help(format!("did you mean `{s}`?")),
            None => self,
        }
    }

    fn render(&self, out: &mut String) {
        out.push_str("error: ");
        out.push_str(&self.message);
        out.push('\n');
        if let Some(loc) = &self.location {
            let number = loc.line.to_string();
            let pad = " ".repeat(number.len());
            out.push_str(&format!(
                "{pad}--> {}:{}:{}\n",
                loc.file, loc.line, loc.column
            ));
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!("{number} | {}\n", loc.text));
            let caret_pad: String = loc
                .text
                .chars()
                .take(loc.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("{pad} | {caret_pad}^\n"));
        }
        if let Some(path) = &self.path {
            out.push_str(&format!("  = at: {path}\n"));
        }
        for note in &self.notes {
            for (i, line) in note.lines().enumerate() {
                let lead = if i == 0 { "  = " } else { "    " };
                out.push_str(lead);
                out.push_str(line);
                out.push('\n');
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
    }
}

/// A failure: one or more diagnostics and a severity.
#[derive(Debug, Clone)]
pub struct Error {
    /// Invalid input or runtime failure.
    pub severity: Severity,
    /// The problems, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Error {
    /// An invalid-scenario error with one diagnostic.
    pub fn invalid(d: Diagnostic) -> Self {
        Error {
            severity: Severity::Invalid,
            diagnostics: vec![d],
        }
    }

    /// A runtime error with one diagnostic.
    pub fn runtime(d: Diagnostic) -> Self {
        Error {
            severity: Severity::Runtime,
            diagnostics: vec![d],
        }
    }

    /// A runtime error with only a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Error::runtime(Diagnostic::new(message))
    }

    /// The error with each diagnostic that says nowhere placed at key path `path`.
    pub fn at_path(mut self, path: &str) -> Self {
        for d in &mut self.diagnostics {
            if d.path.is_none() && d.location.is_none() {
                d.path = Some(path.to_string());
            }
        }
        self
    }

    /// The error of evaluating the SQL at key path `path` on the data: each diagnostic that
    /// says nowhere (an engine's message) is placed there.
    pub fn at_sql(mut self, path: &str) -> Self {
        for d in &mut self.diagnostics {
            if d.path.is_none() && d.location.is_none() {
                d.path = Some(path.to_string());
                let message = d.message.trim_start_matches("SQL engine error: ");
                d.message = format!("the SQL here failed on the data: {message}");
            }
        }
        self
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self.severity {
            Severity::Invalid => EXIT_INVALID,
            Severity::Runtime => EXIT_RUNTIME,
        }
    }

    /// Renders every diagnostic, one block each, plus a count when there are several.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            d.render(&mut out);
        }
        if self.diagnostics.len() > 1 {
            out.push_str(&format!("\n{} problems found\n", self.diagnostics.len()));
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        let mut d = Diagnostic::new(format!("I/O error: {e}"));
        if e.kind() == std::io::ErrorKind::StorageFull {
            d = d.help(
                "free some space on that disk or choose another folder with --out; \
                 the output folder is left as it was",
            );
        }
        Error::runtime(d)
    }
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::msg(format!("SQL engine error: {}", engine_message(&e)))
    }
}

impl From<datafusion::arrow::error::ArrowError> for Error {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        Error::msg(format!("Arrow error: {e}"))
    }
}

/// DataFusion's message without backtraces or doubled prefixes.
pub fn engine_message(e: &datafusion::error::DataFusionError) -> String {
    let mut s = e.strip_backtrace();
    for prefix in ["External error: ", "Context(\"", "Arrow error: "] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    if s.contains("DDL not supported")
        || s.contains("DML not supported")
        || s.contains("Statement not supported")
    {
        s = format!(
            "{s} (scenario SQL is read-only: only queries over the scenario's tables are allowed)"
        );
    }
    s
}

/// The `Line: L, Column: C` where a SQL parser error says it stopped.
fn parser_position(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.find("Line: ")? + "Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

/// Shorthand for results in tutas.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The closest candidate to `wrong` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|(d, c)| *d <= (c.len().max(wrong.len()) / 3).max(1) && *d > 0)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
