//! Small value types passed between pipeline stages.

use std::sync::Arc;

/// A CloudWatch dimension.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dim {
    pub name: String,
    pub value: String,
}

/// One entry of ListMetrics: a metric name and its exact dimension set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedMetric {
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
    pub arn: String,
    pub tags: Vec<(String, String)>,
}
