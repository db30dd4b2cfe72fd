//! Enhanced metrics at discovery: which described resources a job exports values for.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Resource, TagMap, matches_search_tags, tag_values};
use crate::catalog::Source;
use crate::config::Job;
use crate::model::{Described, Dim};

/// One value of an enhanced metric: a series of its own, fixed until the next discovery.
#[derive(Clone, Debug, PartialEq)]
pub struct EnhancedValue {
    /// Index of the job in the config.
    pub job: usize,
    /// Index into the job's `enhanced`.
    pub metric: usize,
    /// The resource's ARN (the `name` label).
    pub resource: Arc<str>,
    /// As the service describes it (`DBInstanceIdentifier`, ...).
    pub dimensions: Arc<[Dim]>,
    /// Values of the job's exported tag keys, in the job's order ("" when absent).
    pub tags: Arc<[String]>,
    /// The value, scaled to the metric's unit.
    pub value: f64,
}

/// The sources a job's enhanced metrics read, each once.
pub fn sources(job: &Job) -> Vec<Source> {
    let mut out: Vec<Source> = job.enhanced.iter().map(|m| m.source).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The values of job `job_index`'s enhanced metrics for every described resource its search
/// tags match (all of them when it has none, untagged ones included), and the resources that
/// `resources` lacks, for their info series.
pub fn select(
    job_index: usize,
    job: &Job,
    described: &[&Described],
    tags: Option<&TagMap>,
    resources: &[Resource],
) -> (Vec<EnhancedValue>, Vec<Resource>) {
    let mut have: HashSet<&str> = resources.iter().map(|r| &*r.arn).collect();
    let mut values = Vec::new();
    let mut more = Vec::new();
    let empty: Arc<[String]> = Arc::from(vec![String::new(); job.exported_tags.len()]);
    for d in described {
        let resource_tags = tags.and_then(|t| t.get(&d.arn));
        if !job.search_tags.is_empty()
            && !resource_tags.is_some_and(|t| matches_search_tags(job, t))
        {
            continue;
        }
        let resource: Arc<str> = Arc::from(d.arn.as_str());
        let dims: Arc<[Dim]> = d.dimensions.clone().into();
        let tag_labels = resource_tags
            .map(|t| tag_values(job, t))
            .unwrap_or_else(|| empty.clone());
        let mut any = false;
        for (mi, m) in job.enhanced.iter().enumerate() {
            let Some(v) = d.value(m.field) else { continue };
            any = true;
            values.push(EnhancedValue {
                job: job_index,
                metric: mi,
                resource: resource.clone(),
                dimensions: dims.clone(),
                tags: tag_labels.clone(),
                value: v * m.scale,
            });
        }
        if any && have.insert(&d.arn) {
            more.push(Resource {
                job: job_index,
                arn: resource,
                tags: resource_tags.cloned().unwrap_or_default(),
                account: None,
            });
        }
    }
    (values, more)
}
