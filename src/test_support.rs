//! Fixtures shared by the unit tests.

use std::path::Path;
use std::sync::Arc;

use crate::config::{Job, parse_str};
use crate::discovery::Target;
use crate::model::{Dim, ListedMetric};

/// Two ECS jobs in one (role, region): CPU every 60 s and memory every 120 s, and running
/// tasks every 60 s.
pub const TWO_ECS_JOBS: &str = "apiVersion: v1alpha1
discovery:
  jobs:
    - type: AWS/ECS
      regions: [eu-west-1]
      period: 60
      length: 60
      metrics:
        - name: CPUUtilization
          statistics: [Average]
        - name: MemoryUtilization
          statistics: [Maximum]
          collectionInterval: 120
    - type: AWS/ECS
      regions: [eu-west-1]
      period: 60
      length: 60
      metrics:
        - name: RunningTaskCount
          statistics: [Average]
";

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
        account: None,
    }
}

/// A series of `metric` with `dims`, as ListMetrics lists it.
pub fn listed(metric: &str, dims: &[(&str, &str)]) -> ListedMetric {
    ListedMetric {
        metric: metric.into(),
        dimensions: dims
            .iter()
            .map(|(n, v)| Dim {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect::<Vec<_>>()
            .into(),
        account: None,
    }
}
