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
    /// The source account that owns the series, when an OAM monitoring account lists its
    /// linked accounts' too (`OwningAccounts`); None: the listing account's own.
    pub account: Option<Arc<str>>,
}

impl ListedMetric {
    /// The metric's identity: owner, name and dimensions regardless of order.
    pub fn identity(&self) -> (Option<Arc<str>>, String, Vec<Dim>) {
        let mut d = self.dimensions.to_vec();
        d.sort();
        (self.account.clone(), self.metric.clone(), d)
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

/// A resource as its service's own API lists it (see `catalog::Source`): the values of YACE's
/// enhanced metrics, or the ARN of a resource that no dimension holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Described {
    /// The resource's ARN (the `name` label).
    pub arn: String,
    /// The dimensions its series get, as YACE labels them (`DBInstanceIdentifier`, ...).
    pub dimensions: Vec<Dim>,
    /// (field, value) as the API gives them (see `catalog::enhanced`); a field the API left
    /// out is absent.
    pub values: Vec<(&'static str, f64)>,
    /// Its tags, when the listing gives them (Auto Scaling groups, which the tagging API does
    /// not list; REST APIs); empty otherwise.
    pub tags: Vec<(String, String)>,
}

impl Described {
    /// The value of `field`, if the API gave it.
    pub fn value(&self, field: &str) -> Option<f64> {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| *v)
    }
}

/// True the first time `what` is seen in the process: a warning about the config, or about a
/// permission a discovery keeps lacking, is given once, not once per discovery.
pub fn first_time(what: &str) -> bool {
    static SEEN: std::sync::Mutex<Option<std::collections::HashSet<String>>> =
        std::sync::Mutex::new(None);
    let mut seen = SEEN.lock().expect("not poisoned");
    seen.get_or_insert_with(std::collections::HashSet::new)
        .insert(what.to_string())
}
