//! Counts of AWS calls, kept at the one place calls are made so they match the bill.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// What calls are counted by: API, region, account and outcome.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CallKey {
    /// The API, e.g. `GetMetricData`.
    pub api: &'static str,
    /// The region the call went to.
    pub region: String,
    /// The account the call was made as.
    pub account: String,
    /// `success`, or the AWS error code (`Throttling`, `AccessDenied`, ...), or `timeout`,
    /// `network`, `bad_response` for failures that never reached an AWS answer.
    pub outcome: String,
}

/// Metrics requested from GetMetricData, by the two readings of AWS's pricing page ("You can
/// request up to five statistics for the same metric in a single GetMetricData API request.
/// Additional statistics are billed as an additional metric.").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requested {
    /// Every query (metric and statistic) counts: the reading the exporter bills by.
    pub queries: u64,
    /// Up to five statistics of one metric (namespace, name, dimensions) in one request
    /// count once.
    pub by_metric: u64,
}

/// Counts of AWS calls, metrics requested, rate-limiter waits and failed attempts.
#[derive(Default, Debug)]
pub struct Accounting {
    calls: Mutex<BTreeMap<CallKey, u64>>,
    /// (region, account) → metrics requested from GetMetricData: what AWS bills, counted both
    /// ways the pricing page can be read (see [`Requested`]).
    requested: Mutex<BTreeMap<(String, String), Requested>>,
    /// Seconds calls waited for the client-side rate limiter, by (api, region, account).
    limited: Mutex<BTreeMap<(String, String, String), f64>>,
    /// Failed HTTP attempts (retried or final), by (api, region, account, error code).
    attempt_errors: Mutex<BTreeMap<(String, String, String, String), u64>>,
    /// Every outcome label value used so far: at most [`MAX_OUTCOMES`].
    outcomes: Mutex<std::collections::BTreeSet<String>>,
}

/// How many distinct outcome values the call counters may carry: an endpoint answering a new
/// code each time must not mint series without end. Later new codes count as `other`.
pub const MAX_OUTCOMES: usize = 32;

impl Accounting {
    /// The outcome label value for `outcome`: itself while fewer than [`MAX_OUTCOMES`]
    /// values are in use, else `other`.
    fn outcome(&self, outcome: &str) -> String {
        let mut seen = self.outcomes.lock().expect("not poisoned");
        if seen.contains(outcome) {
            return outcome.to_string();
        }
        if seen.len() < MAX_OUTCOMES - 1 {
            seen.insert(outcome.to_string());
            return outcome.to_string();
        }
        super::redact::OTHER_CODE.to_string()
    }

    /// Counts one call of `api` with its outcome (at most [`MAX_OUTCOMES`] distinct values).
    pub fn call(&self, api: &'static str, region: &str, account: &str, outcome: &str) {
        let key = CallKey {
            api,
            region: region.to_string(),
            account: account.to_string(),
            outcome: self.outcome(outcome),
        };
        *self
            .calls
            .lock()
            .expect("not poisoned")
            .entry(key)
            .or_default() += 1;
    }

    /// Adds `n` to the metrics requested from GetMetricData in (region, account).
    pub fn metrics_requested(&self, region: &str, account: &str, n: Requested) {
        let mut map = self.requested.lock().expect("not poisoned");
        let r = map
            .entry((region.to_string(), account.to_string()))
            .or_default();
        r.queries += n.queries;
        r.by_metric += n.by_metric;
    }

    /// Counts one failed HTTP attempt (retried or final) with its error code.
    pub fn attempt_failed(&self, api: &str, region: &str, account: &str, outcome: &str) {
        let outcome = self.outcome(outcome);
        *self
            .attempt_errors
            .lock()
            .expect("not poisoned")
            .entry((
                api.to_string(),
                region.to_string(),
                account.to_string(),
                outcome,
            ))
            .or_default() += 1;
    }

    /// Adds `secs` a call of `api` waited for the client-side rate limiter.
    pub fn rate_limited(&self, api: &str, region: &str, account: &str, secs: f64) {
        *self
            .limited
            .lock()
            .expect("not poisoned")
            .entry((api.to_string(), region.to_string(), account.to_string()))
            .or_default() += secs;
    }

    /// Seconds waited for the rate limiter so far, by (api, region, account).
    pub fn rate_limit_waits(&self) -> BTreeMap<(String, String, String), f64> {
        self.limited.lock().expect("not poisoned").clone()
    }

    /// Failed HTTP attempts so far, by (api, region, account, error code).
    pub fn attempt_errors(&self) -> BTreeMap<(String, String, String, String), u64> {
        self.attempt_errors.lock().expect("not poisoned").clone()
    }

    /// Calls made so far, by [`CallKey`].
    pub fn calls(&self) -> BTreeMap<CallKey, u64> {
        self.calls.lock().expect("not poisoned").clone()
    }

    /// Metrics requested from GetMetricData so far, by (region, account).
    pub fn requested(&self) -> BTreeMap<(String, String), Requested> {
        self.requested.lock().expect("not poisoned").clone()
    }
}

/// What one GetMetricData request for `queries` bills, by both readings.
pub fn requested(queries: &[super::MetricQuery]) -> Requested {
    use std::collections::HashMap;
    type Key<'a> = (
        Option<&'a str>,
        &'a str,
        &'a str,
        Vec<&'a crate::model::Dim>,
    );
    let mut per_metric: HashMap<Key<'_>, u64> = HashMap::new();
    for q in queries {
        let mut dims: Vec<&crate::model::Dim> = q.dimensions.iter().collect();
        dims.sort();
        let owner = q.account.as_deref();
        *per_metric
            .entry((owner, q.namespace.as_str(), q.metric.as_str(), dims))
            .or_default() += 1;
    }
    Requested {
        queries: queries.len() as u64,
        by_metric: per_metric.values().map(|n| n.div_ceil(5)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::MetricQuery;
    use crate::model::Dim;
    use std::sync::Arc;

    fn q(metric: &str, service: &str, stat: &str) -> MetricQuery {
        MetricQuery {
            id: String::new(),
            namespace: "AWS/ECS".into(),
            metric: metric.into(),
            dimensions: Arc::from(vec![
                Dim {
                    name: "ServiceName".into(),
                    value: service.into(),
                },
                Dim {
                    name: "ClusterName".into(),
                    value: "c".into(),
                },
            ]),
            statistic: stat.into(),
            period: 60,
            newest_only: false,
            account: None,
        }
    }

    #[test]
    fn up_to_five_statistics_of_one_metric_count_once_in_the_other_reading() {
        let stats = ["Average", "Sum", "Minimum", "Maximum", "SampleCount", "p99"];
        let mut qs: Vec<MetricQuery> = stats.iter().map(|s| q("CPU", "a", s)).collect();
        // Another service, another metric: other metrics.
        qs.push(q("CPU", "b", "Average"));
        qs.push(q("Memory", "a", "Average"));
        // The same dimensions in another order are the same metric.
        let mut swapped = q("Memory", "a", "Maximum");
        swapped.dimensions = swapped.dimensions.iter().rev().cloned().collect();
        qs.push(swapped);
        assert_eq!(
            requested(&qs),
            Requested {
                queries: 9,
                // CPU/a: six statistics = 2; CPU/b: 1; Memory/a: 1.
                by_metric: 4,
            }
        );
    }
}
