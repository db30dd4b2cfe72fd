//! Config: YAML in either YACE dialect → positioned tree → one job model.
//!
//! Parse, then validate: [`yaml::parse`] gives a tree in which everything has a line and column;
//! `parse::Walker` (on the shared `walk::Walk`) reads it, collecting every problem with its
//! position.

mod metric;
pub mod model;
mod parse;
mod regions;
mod streams;
pub(crate) mod walk;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use metric::canonical_statistic;
pub use model::*;

/// How serious a [`Problem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The config cannot be used.
    Error,
    /// Worth saying, but the config can be used.
    Warning,
    /// Migration help: an old-dialect key in an old-dialect file, with its v1alpha1 spelling.
    Note,
}

/// One thing wrong (or worth saying) about a config, with where it is.
#[derive(Clone, Debug)]
pub struct Problem {
    /// How serious it is.
    pub severity: Severity,
    /// Where it is in the file, when there is a place to point at.
    pub pos: Option<yaml::Pos>,
    /// Dotted path of the key, e.g. `discovery.jobs[1].metrics[0].period`.
    pub path: String,
    /// What is wrong (or worth saying), in words.
    pub message: String,
}

impl Problem {
    /// A problem at a position of the file.
    pub fn at(severity: Severity, pos: yaml::Pos, path: &str, message: impl Into<String>) -> Self {
        Problem {
            severity,
            pos: Some(pos),
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// `file:line:column: error: path: message`.
    pub fn display<'a>(&'a self, file: &'a Path) -> impl fmt::Display + 'a {
        struct D<'a>(&'a Problem, &'a Path);
        impl fmt::Display for D<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let p = self.0;
                write!(f, "{}", self.1.display())?;
                if let Some(pos) = p.pos {
                    write!(f, ":{pos}")?;
                }
                let sev = match p.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                write!(f, ": {sev}: ")?;
                if !p.path.is_empty() {
                    write!(f, "{}: ", p.path)?;
                }
                write!(f, "{}", p.message)
            }
        }
        D(self, file)
    }
}

/// A config that could not be used, with every problem found. Shown as a count and then
/// each error on its own line, `file:line:column: error: path: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}", errors(.file, .problems))]
pub struct ConfigError {
    /// The config file.
    pub file: PathBuf,
    /// Every problem found, in file order.
    pub problems: Vec<Problem>,
}

/// The errors among `problems`, as [`ConfigError`] shows them.
fn errors(file: &Path, problems: &[Problem]) -> String {
    let errors: Vec<_> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    let mut out = format!("invalid config ({} error(s))", errors.len());
    for p in errors {
        out.push_str(&format!("\n  {}", p.display(file)));
    }
    out
}

/// A usable config and the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The parsed config.
    pub config: Config,
    /// The warnings and notes, in file order.
    pub warnings: Vec<Problem>,
}

/// Parses config text. With `strict`, unknown keys are errors (verify-config); without, they
/// are warnings (a running exporter keeps going, loudly).
pub fn parse_str(text: &str, file: &Path, strict: bool) -> Result<Loaded, ConfigError> {
    let root = yaml::parse(text).map_err(|(pos, message)| ConfigError {
        file: file.to_path_buf(),
        problems: vec![Problem {
            severity: Severity::Error,
            pos,
            path: String::new(),
            message: format!("YAML syntax: {message}"),
        }],
    })?;
    let mut w = parse::Walker {
        walk: walk::Walk::new(strict),
        regex_bytes: 0,
    };
    let config = w.config(&root);
    let mut problems = w.walk.problems;
    let lines: Vec<&str> = text.lines().collect();
    radix_integers(&lines, &root, &mut problems);
    problems.sort_by_key(|p| (p.pos, p.severity));
    if problems.iter().any(|p| p.severity == Severity::Error) || config.is_none() {
        return Err(ConfigError {
            file: file.to_path_buf(),
            problems,
        });
    }
    Ok(Loaded {
        config: config.expect("checked above"),
        warnings: problems,
    })
}

/// YAML reads an unquoted `0x1F` or `0o17` as a number (31, 15): legal, but rarely meant in a
/// config (an id, a name), so say what it was read as.
fn radix_integers(lines: &[&str], node: &yaml::Node, out: &mut Vec<Problem>) {
    match &node.value {
        yaml::Value::Int(i) => {
            let line = lines.get(node.pos.line.saturating_sub(1) as usize);
            let line = line.copied().unwrap_or("");
            // Columns count characters; on an ASCII line (any number's) they are bytes too,
            // so a long line is not walked once per number.
            let col = node.pos.column.saturating_sub(1) as usize;
            let rest = if line.is_ascii() {
                line.get(col..).unwrap_or("")
            } else {
                line.char_indices().nth(col).map_or("", |(b, _)| &line[b..])
            };
            let at: String = rest
                .chars()
                .take_while(|c| !matches!(c, ' ' | '\t' | ',' | ']' | '}' | '#'))
                .take(40)
                .collect();
            let lower = at.to_ascii_lowercase();
            let signless = lower.trim_start_matches(['+', '-']);
            if signless.starts_with("0x") || signless.starts_with("0o") {
                out.push(Problem::at(
                    Severity::Warning,
                    node.pos,
                    "",
                    format!(
                        "an unquoted `{at}` is a YAML number, read as {i}; quote it if it is a name"
                    ),
                ));
            }
        }
        yaml::Value::Seq(items) => items.iter().for_each(|n| radix_integers(lines, n, out)),
        yaml::Value::Map(entries) => entries
            .iter()
            .for_each(|(_, n)| radix_integers(lines, n, out)),
        _ => {}
    }
}

/// At most `n` characters of `s`, with `…` where it was cut: for text echoed in messages.
pub fn cap(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// The largest config (or web config) file read: real configs are kilobytes, and a path
/// pointing at `/dev/zero` or a log must not fill memory.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Reads a UTF-8 text file of at most `limit` bytes, without reading more than that.
pub fn read_text(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB: not a config file",
            limit >> 20
        )));
    }
    String::from_utf8(buf).map_err(|_| std::io::Error::other("not UTF-8 text"))
}

/// Reads a config file's text (at most [`MAX_FILE_BYTES`]).
pub fn read(file: &Path) -> Result<String, ConfigError> {
    read_text(file, MAX_FILE_BYTES).map_err(|e| ConfigError {
        file: file.to_path_buf(),
        problems: vec![Problem {
            severity: Severity::Error,
            pos: None,
            path: String::new(),
            message: format!("cannot read the file: {e}"),
        }],
    })
}

/// Reads and parses a config file.
pub fn load(file: &Path, strict: bool) -> Result<Loaded, ConfigError> {
    parse_str(&read(file)?, file, strict)
}

/// serde-saphyr's messages repeat the position and quote the source; keep the first line.
#[cfg(test)]
mod tests;
