//! An in-memory AWS for unit tests: the test sets the listings, the tags and the value of
//! every datapoint, and makes an API fail or take time; every call is counted in the
//! accounting as the SDK's session counts it. Integration tests use moto instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Accounting, Api, AwsError, CallPoints, MetricQuery, Sessions, accounting};
use crate::catalog::Source;
use crate::config::Role;
use crate::model::{Described, ListedMetric, TaggedResource};

/// The account every fake session acts in.
pub const ACCOUNT: &str = "123456789012";

/// What the fake AWS holds and how it behaves; change it between cycles with [`Fake::set`].
#[derive(Debug, Default)]
pub struct Estate {
    /// (namespace, series) as ListMetrics lists them.
    pub metrics: Vec<(String, ListedMetric)>,
    /// (tagging resource type, resource) as GetResources returns them.
    pub resources: Vec<(String, TaggedResource)>,
    /// The value of every datapoint.
    pub value: f64,
    /// API → the error code each of its calls fails with.
    pub failing: HashMap<&'static str, String>,
    /// A GetMetricData call with a query of this metric name fails with `AccessDenied`.
    pub failing_metric: Option<String>,
    /// API → how long each call takes (tokio's clock, so paused-time tests do not wait).
    pub delay: HashMap<&'static str, Duration>,
    /// Region → how long each of its calls takes (an endpoint that hardly answers).
    pub region_delay: HashMap<String, Duration>,
    /// The account's alias.
    pub alias: Option<String>,
    /// What each enhanced-metric source describes.
    pub described: HashMap<Source, Vec<Described>>,
    /// Queries of a series with a dimension of this value get no datapoints (a task that is
    /// gone, still listed).
    pub silent: Option<String>,
    /// The value of the datapoints of each linked account's series (OAM; queried with its
    /// `AccountId`), instead of `value`.
    pub linked_values: HashMap<String, f64>,
}

/// The fake AWS: a [`Sessions`] whose sessions share one [`Estate`].
#[derive(Clone, Default)]
pub struct Fake {
    estate: Arc<Mutex<Estate>>,
    accounting: Arc<Accounting>,
}

impl Fake {
    /// A fake with `estate`.
    pub fn new(estate: Estate) -> Fake {
        Fake {
            estate: Arc::new(Mutex::new(estate)),
            accounting: Arc::default(),
        }
    }

    /// Changes the estate.
    pub fn set(&self, f: impl FnOnce(&mut Estate)) {
        f(&mut self.estate.lock().unwrap());
    }

    /// Calls of `api` made so far, every outcome.
    pub fn calls(&self, api: &str) -> u64 {
        self.accounting
            .calls()
            .iter()
            .filter(|(k, _)| k.api == api)
            .map(|(_, n)| n)
            .sum()
    }
}

impl Sessions for Fake {
    type Session = FakeSession;

    async fn session(&self, _role: &Role, region: &str) -> Result<FakeSession, AwsError> {
        Ok(FakeSession {
            fake: self.clone(),
            region: region.to_string(),
            alias: self.estate.lock().unwrap().alias.clone(),
        })
    }

    fn accounting(&self) -> &Arc<Accounting> {
        &self.accounting
    }
}

/// One (role, region) of the fake.
#[derive(Clone)]
pub struct FakeSession {
    fake: Fake,
    region: String,
    alias: Option<String>,
}

impl FakeSession {
    /// Waits the API's delay, then counts the call: `Err` if the API is failing.
    async fn call(&self, api: &'static str, fails: Option<String>) -> Result<(), AwsError> {
        let delays = {
            let e = self.fake.estate.lock().unwrap();
            [
                e.delay.get(api).copied(),
                e.region_delay.get(&self.region).copied(),
            ]
        };
        for d in delays.into_iter().flatten() {
            tokio::time::sleep(d).await;
        }
        let code = fails.or_else(|| self.fake.estate.lock().unwrap().failing.get(api).cloned());
        let outcome = code.as_deref().unwrap_or("success");
        self.fake
            .accounting
            .call(api, &self.region, ACCOUNT, outcome);
        match code {
            None => Ok(()),
            Some(code) => Err(AwsError {
                api,
                region: self.region.clone(),
                code,
                message: "injected by the fake".into(),
            }),
        }
    }
}

impl Api for FakeSession {
    fn region(&self) -> &str {
        &self.region
    }

    fn account(&self) -> &str {
        ACCOUNT
    }

    fn account_alias(&self) -> Option<&str> {
        self.alias.as_deref()
    }

    async fn list_metrics(
        &self,
        namespace: &str,
        metric: &str,
        _recently_active: bool,
        linked: bool,
    ) -> Result<Vec<ListedMetric>, AwsError> {
        self.call("ListMetrics", None).await?;
        let estate = self.fake.estate.lock().unwrap();
        // A linked account's series are listed only when asked for.
        Ok(estate
            .metrics
            .iter()
            .filter(|(ns, m)| ns == namespace && m.metric == metric)
            .filter(|(_, m)| linked || m.account.is_none())
            .map(|(_, m)| m.clone())
            .collect())
    }

    async fn tagged_resources(&self, types: &[&str]) -> Result<Vec<TaggedResource>, AwsError> {
        self.call("GetResources", None).await?;
        let estate = self.fake.estate.lock().unwrap();
        Ok(estate
            .resources
            .iter()
            .filter(|(t, _)| types.contains(&t.as_str()))
            .map(|(_, r)| r.clone())
            .collect())
    }

    /// One call of the source's listing API; for DynamoDB, one DescribeTable per table too.
    async fn describe(&self, source: Source) -> Result<Vec<Described>, AwsError> {
        self.call(source.apis()[0], None).await?;
        let out = {
            let estate = self.fake.estate.lock().unwrap();
            estate.described.get(&source).cloned().unwrap_or_default()
        };
        if let Some(per_table) = source.apis().get(1) {
            let mut tables: Vec<&str> = out.iter().map(|d| d.arn.as_str()).collect();
            tables.dedup();
            for _ in tables {
                self.call(per_table, None).await?;
            }
        }
        Ok(out)
    }

    /// One point per period of [start, end), each of the estate's value.
    async fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        start: i64,
        end: i64,
    ) -> Result<CallPoints, AwsError> {
        let (fails, value, silent, linked_values) = {
            let estate = self.fake.estate.lock().unwrap();
            let fails = estate
                .failing_metric
                .as_ref()
                .filter(|m| queries.iter().any(|q| &q.metric == *m))
                .map(|_| "AccessDenied".to_string());
            (
                fails,
                estate.value,
                estate.silent.clone(),
                estate.linked_values.clone(),
            )
        };
        self.call("GetMetricData", fails).await?;
        self.fake.accounting.metrics_requested(
            &self.region,
            ACCOUNT,
            accounting::requested(queries),
        );
        let mut raw = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            if silent
                .as_ref()
                .is_some_and(|v| q.dimensions.iter().any(|d| &d.value == v))
            {
                continue;
            }
            let value = match &q.account {
                Some(a) => linked_values.get(&**a).copied().unwrap_or(f64::NAN),
                None => value,
            };
            let mut t = start;
            while t < end {
                raw.push((i as u32, t, value));
                t += i64::from(q.period.max(1));
            }
        }
        Ok(CallPoints::from_raw(queries.len(), raw))
    }
}
