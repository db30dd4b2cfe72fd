//! Small value types passed between pipeline stages.

use std::sync::Arc;

/// A CloudWatch dimension.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dim {
    /// The dimension's name, e.g. `ClusterName`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// One entry of ListMetrics: a metric name and its exact dimension set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedMetric {
    /// The metric name.
    pub metric: String,
    /// In the order CloudWatch returned them (moto matches queries in that order). Shared:
    /// every target of the series and every query for it point to the same set.
    pub dimensions: Arc<[Dim]>,
}

impl ListedMetric {
    /// The metric's identity: name and dimensions regardless of order.
    pub fn identity(&self) -> (String, Vec<Dim>) {
        let mut d = self.dimensions.to_vec();
        d.sort();
        (self.metric.clone(), d)
    }

    /// The value of the dimension `name`, if the metric has it.
    pub fn dim(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.value.as_str())
    }
}

/// A resource from the tagging API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggedResource {
    /// The resource's ARN.
    pub arn: String,
    /// Its tags, as (key, value) pairs.
    pub tags: Vec<(String, String)>,
}
