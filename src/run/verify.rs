//! `verify-config`: the config and the web config checked without running anything, every
//! problem with its file, line and column. As at start and on reload, unknown keys are
//! warnings; `strict` (`--strict`) makes them errors.

use std::io::{self, Write};
use std::path::Path;

use crate::config::{self, Severity};
use crate::server::web::Web;

/// Writes the report of `config_file` (and `web_config_file`) to `out`; true if both are
/// usable.
pub fn verify(
    config_file: &Path,
    web_config_file: Option<&Path>,
    strict: bool,
    out: &mut impl Write,
) -> io::Result<bool> {
    let web_ok = match web_config_file {
        None => true,
        Some(p) => match Web::load(p) {
            Ok(_) => {
                writeln!(out, "{}: OK", p.display())?;
                true
            }
            Err(e) => {
                writeln!(out, "{e}")?;
                false
            }
        },
    };
    let count = |problems: &[config::Problem], severity| {
        problems.iter().filter(|p| p.severity == severity).count()
    };
    let config_ok = match config::load(config_file, strict) {
        Ok(l) => {
            for w in &l.warnings {
                writeln!(out, "{}", w.display(config_file))?;
            }
            writeln!(
                out,
                "{}: OK ({} job(s), {} warning(s))",
                config_file.display(),
                l.config.jobs.len(),
                count(&l.warnings, Severity::Warning)
            )?;
            true
        }
        Err(e) => {
            for p in &e.problems {
                writeln!(out, "{}", p.display(&e.file))?;
            }
            writeln!(
                out,
                "{}: {} error(s)",
                e.file.display(),
                count(&e.problems, Severity::Error)
            )?;
            false
        }
    };
    Ok(web_ok && config_ok)
}
