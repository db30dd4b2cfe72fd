//! The seam in front of AWS: what discovery and fetch ask, per (role, region). The SDK
//! implements it (`sdk`); so does the unit tests' fake, so cycle-level behaviour is tested
//! without a server.

use std::future::Future;
use std::sync::Arc;

use super::{Accounting, AwsError};
use crate::catalog::Source;
use crate::config::Role;
use crate::model::{Described, Dim, ListedMetric, TaggedResource};

/// Where sessions come from, and where every call is counted.
pub trait Sessions: Send + Sync + 'static {
    /// The clients of one (role, region).
    type Session: Api;
    /// The session of `role` in `region`: resolving the role may itself call AWS (STS).
    fn session(
        &self,
        role: &Role,
        region: &str,
    ) -> impl Future<Output = Result<Self::Session, AwsError>> + Send;
    /// Every call made through its sessions, counted.
    fn accounting(&self) -> &Arc<Accounting>;
}

/// The calls of one (role, region). Each is counted, paced and paginated by the implementation.
pub trait Api: Clone + Send + Sync + 'static {
    /// The region the calls go to.
    fn region(&self) -> &str;
    /// The account the calls act in.
    fn account(&self) -> &str;
    /// The account's alias (IAM), if it has one and it could be read: YACE's `account_alias`.
    fn account_alias(&self) -> Option<&str>;
    /// Every series of one metric of a namespace, all pages, deduplicated. With `linked`
    /// (an OAM monitoring account), the linked source accounts' series too, each with its
    /// owning account.
    fn list_metrics(
        &self,
        namespace: &str,
        metric: &str,
        recently_active: bool,
        linked: bool,
    ) -> impl Future<Output = Result<Vec<ListedMetric>, AwsError>> + Send;
    /// Resources of the given tagging types, with their tags, all pages.
    fn tagged_resources(
        &self,
        types: &[&str],
    ) -> impl Future<Output = Result<Vec<TaggedResource>, AwsError>> + Send;
    /// Every resource of `source` in the region, as its service describes it, all pages.
    fn describe(
        &self,
        source: Source,
    ) -> impl Future<Output = Result<Vec<Described>, AwsError>> + Send;
    /// One GetMetricData request (all its pages) for ≤ 500 queries over [start, end).
    fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        start: i64,
        end: i64,
    ) -> impl Future<Output = Result<CallPoints, AwsError>> + Send;
}

/// One query of a GetMetricData call.
#[derive(Clone, Debug)]
pub struct MetricQuery {
    /// The query's id in the call: unique within it.
    pub id: String,
    /// The CloudWatch namespace.
    pub namespace: String,
    /// The metric name.
    pub metric: String,
    /// The series' dimensions, shared with its target.
    pub dimensions: Arc<[Dim]>,
    /// The statistic (`Average`, `p99`, ...).
    pub statistic: String,
    /// Seconds per datapoint.
    pub period: u32,
    /// Keep only the newest datapoint (see `plan::QueryRef::newest_only`).
    pub newest_only: bool,
    /// The linked source account that owns the series (GetMetricData's `AccountId`); None:
    /// the calling account's.
    pub account: Option<std::sync::Arc<str>>,
}

/// The datapoints of one call's queries, (seconds since the epoch, value), newest first per
/// query. Flat, not a `Vec` per query: at 100k queries of one point each, the per-query
/// vectors were twice the points.
#[derive(Debug, Default)]
pub struct CallPoints {
    points: Vec<(i64, f64)>,
    /// Where each query's points start in `points`; one more entry at the end.
    starts: Vec<u32>,
}

impl CallPoints {
    /// The points of the call's query at `query` (none if it has none or is not a query of it).
    pub fn of(&self, query: usize) -> &[(i64, f64)] {
        match (self.starts.get(query), self.starts.get(query + 1)) {
            (Some(&a), Some(&b)) => &self.points[a as usize..b as usize],
            _ => &[],
        }
    }

    /// From (query, time, value) in any order, for `n` queries.
    pub(crate) fn from_raw(n: usize, mut raw: Vec<(u32, i64, f64)>) -> CallPoints {
        raw.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut starts = Vec::with_capacity(n + 1);
        let mut points = Vec::with_capacity(raw.len());
        let mut raw = raw.into_iter().peekable();
        for q in 0..n as u32 {
            starts.push(points.len() as u32);
            while let Some((_, t, v)) = raw.next_if(|p| p.0 == q) {
                points.push((t, v));
            }
        }
        starts.push(points.len() as u32);
        CallPoints { points, starts }
    }
}

#[cfg(test)]
mod tests {
    use super::CallPoints;

    #[test]
    fn a_calls_points_are_grouped_by_query_newest_first() {
        // As pages may deliver them: queries interleaved, times in any order.
        let raw = vec![
            (2, 100, 1.0),
            (0, 60, 2.0),
            (2, 160, 3.0),
            (0, 120, 4.0),
            (2, 130, 5.0),
        ];
        let p = CallPoints::from_raw(4, raw);
        assert_eq!(p.of(0), &[(120, 4.0), (60, 2.0)]);
        assert!(p.of(1).is_empty());
        assert_eq!(p.of(2), &[(160, 3.0), (130, 5.0), (100, 1.0)]);
        assert!(p.of(3).is_empty());
        // Not a query of the call.
        assert!(p.of(4).is_empty());
        assert!(CallPoints::default().of(0).is_empty());
    }
}
