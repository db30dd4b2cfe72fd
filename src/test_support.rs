//! Fixtures shared by the unit tests.

use std::path::Path;
use std::sync::Arc;

use crate::config::{Job, parse_str};
use crate::discovery::Target;
use crate::model::Dim;

/// The jobs of a config text (strict parse; panics on a config error).
pub fn jobs(text: &str) -> Vec<Job> {
    parse_str(text, Path::new("t.yml"), true)
        .unwrap()
        .config
        .jobs
}

/// A target of (`job`, `metric`) with one dimension, on resource `r`, untagged.
pub fn target(job: usize, metric: usize, dimension: &str, value: &str) -> Target {
    Target {
        job,
        metric,
        dimensions: Arc::from(vec![Dim {
            name: dimension.into(),
            value: value.into(),
        }]),
        resource: Arc::from("r"),
        tags: Arc::from(Vec::new()),
    }
}
