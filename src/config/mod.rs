//! Config: YAML in either YACE dialect → positioned tree → one job model.
//!
//! Parse, then validate: [`yaml::parse`] gives a tree in which everything has a line and column;
//! [`parse::Walker`] reads it, collecting every problem with its position.

pub mod model;
mod parse;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use model::*;
pub use parse::canonical_statistic;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    /// Migration help: an old-dialect key in an old-dialect file, with its v1alpha1 spelling.
    Note,
}

/// One thing wrong (or worth saying) about a config, with where it is.
#[derive(Clone, Debug)]
pub struct Problem {
    pub severity: Severity,
    pub pos: Option<yaml::Pos>,
    /// Dotted path of the key, e.g. `discovery.jobs[1].metrics[0].period`.
    pub path: String,
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

/// A config that could not be used, with every problem found.
#[derive(Debug)]
pub struct ConfigError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<_> = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        write!(f, "invalid config ({} error(s))", errors.len())?;
        for p in errors {
            write!(f, "\n  {}", p.display(&self.file))?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A usable config and the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
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
        problems: Vec::new(),
        strict,
    };
    let config = w.config(&root);
    let mut problems = w.problems;
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

/// Reads and parses a config file.
pub fn load(file: &Path, strict: bool) -> Result<Loaded, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
        file: file.to_path_buf(),
        problems: vec![Problem {
            severity: Severity::Error,
            pos: None,
            path: String::new(),
            message: format!("cannot read the file: {e}"),
        }],
    })?;
    parse_str(&text, file, strict)
}

/// serde-saphyr's messages repeat the position and quote the source; keep the first line.
#[cfg(test)]
mod tests;
