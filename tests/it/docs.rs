//! The documentation's examples work: every whole scenario in a `yaml` block of README.md,
//! SCENARIO.md and docs/ passes `tutas check` (an outline of the language is fenced as
//! `yaml outline`), and every example command line that starts with `tutas ` parses.

use clap::Parser;

use crate::common::{root, tutas};

/// The documentation files.
fn documents() -> Vec<std::path::PathBuf> {
    let mut files = vec![root().join("README.md"), root().join("SCENARIO.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The fenced code blocks of a Markdown text: (info string, first line number, text).
fn blocks(markdown: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => {
                let info = line.trim_start().trim_start_matches('`').trim().to_string();
                open = Some((info, i + 2, String::new()));
            }
            (Some(_), true) => out.extend(open.take()),
            (Some((_, _, text)), false) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, false) => {}
        }
    }
    out
}

/// A shell line as its words: quotes grouped, a trailing `# comment` and anything after a
/// pipe left out.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#' | '|' | '>' | '<' | ';' | '&') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

#[test]
fn every_whole_scenario_in_the_docs_passes_check() {
    let mut checked = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (info, line, block) in blocks(&text) {
            if info != "yaml" || !block.starts_with("name:") {
                continue;
            }
            let dir = tempfile::tempdir().unwrap();
            let scenario = dir.path().join("example.yaml");
            std::fs::write(&scenario, &block).unwrap();
            // From the project, as the docs run them: shipped files are where they say.
            let o = tutas(
                &root(),
                &["check", scenario.to_str().unwrap(), "--allow-outside-paths"],
            );
            assert_eq!(
                o.code,
                0,
                "{}:{line}: the scenario does not pass `tutas check`:\n{}",
                file.display(),
                o.stderr
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "the README's scenario at least");
}

#[test]
fn every_example_command_in_the_docs_parses() {
    let mut parsed = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (info, first, block) in blocks(&text) {
            if !matches!(info.as_str(), "" | "sh" | "console" | "bash" | "shell") {
                continue;
            }
            for (i, line) in block.lines().enumerate() {
                let line = line.trim_start().trim_start_matches("$ ");
                if !line.starts_with("tutas ") {
                    continue;
                }
                let args = words(line);
                let result = tutas::cli::Cli::try_parse_from(&args);
                let ok = match &result {
                    Ok(_) => true,
                    Err(e) => matches!(
                        e.kind(),
                        clap::error::ErrorKind::DisplayHelp
                            | clap::error::ErrorKind::DisplayVersion
                    ),
                };
                assert!(
                    ok,
                    "{}:{}: `{line}` does not parse: {}",
                    file.display(),
                    first + i,
                    result.err().map(|e| e.to_string()).unwrap_or_default()
                );
                parsed += 1;
            }
        }
    }
    assert!(parsed >= 10, "only {parsed} example commands found");
}

#[test]
fn shell_words_group_quotes_and_drop_comments() {
    assert_eq!(
        words("tutas run s.yaml --set 'a.b=[1, 2]' --out \"my run\"   # comment"),
        [
            "tutas",
            "run",
            "s.yaml",
            "--set",
            "a.b=[1, 2]",
            "--out",
            "my run"
        ]
    );
    assert_eq!(words("tutas schema | head"), ["tutas", "schema"]);
}
