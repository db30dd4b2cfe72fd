//! One (role, region)'s part of a cycle: its session, its discovery (reused or joined), its
//! plan and its fetch, in that order; and what the result means for its jobs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use crate::aws::{Api, AwsError, Sessions};
use crate::config::{Job, Role};
use crate::discovery::{self, Found, Target};
use crate::fetch::{self, Fetched};
use crate::plan::{self, Plan};

/// A discovery running in its own task, awaited by every cycle until it is done.
pub type Discovery = Shared<BoxFuture<'static, Result<Arc<Found>, Arc<AwsError>>>>;

/// What a scope's cycle starts from: a discovery to reuse, or the one running.
pub enum Known {
    Cached(Arc<Found>),
    Running(Discovery),
}

/// The outcome of one (role, region).
pub struct ScopeResult {
    pub role: Role,
    pub region: String,
    pub account: String,
    pub found: Arc<Found>,
    pub plan: Plan,
    /// Per call of the plan: its results, or why it failed.
    pub calls: Vec<Fetched>,
    /// Set when the scope failed as a whole (credentials, discovery, timeout).
    pub error: Option<Arc<AwsError>>,
    pub jobs: Vec<usize>,
}

impl ScopeResult {
    /// A (role, region) that failed as a whole: every job of it fails with `error`.
    pub fn failed(
        role: Role,
        region: String,
        jobs: Vec<usize>,
        error: impl Into<Arc<AwsError>>,
    ) -> ScopeResult {
        ScopeResult {
            role,
            region,
            account: String::new(),
            found: Arc::new(Found::default()),
            plan: Plan::default(),
            calls: vec![],
            error: Some(error.into()),
            jobs,
        }
    }

    /// The jobs that failed here, each with its first error: the scope's own, its discovery's,
    /// or that of a call holding one of its queries.
    pub fn failures(&self) -> HashMap<usize, Arc<AwsError>> {
        let mut failed: HashMap<usize, Arc<AwsError>> = HashMap::new();
        if let Some(e) = &self.error {
            for &j in &self.jobs {
                failed.entry(j).or_insert_with(|| e.clone());
            }
        }
        for (j, e) in &self.found.failed {
            failed.entry(*j).or_insert_with(|| e.clone());
        }
        for (ti, t) in self.found.targets.iter().enumerate() {
            for slot in self.plan.slots(ti) {
                if let Err(e) = &self.calls[slot.call as usize] {
                    failed.entry(t.job).or_insert_with(|| e.clone());
                }
            }
        }
        failed
    }

    /// Where the windows of the window-mode metrics of jobs that did not fail ended.
    pub fn window_ends(
        &self,
        jobs: &[Job],
        failed: &HashMap<usize, Arc<AwsError>>,
    ) -> Vec<((usize, usize), i64)> {
        self.found
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                jobs[t.job].metrics[t.metric].window_mode && !failed.contains_key(&t.job)
            })
            .filter_map(|(ti, t)| Some(((t.job, t.metric), self.plan.slots(ti).first()?.end)))
            .collect()
    }
}

/// One (role, region)'s collection at `now`: `select` says which targets are due and their
/// windows.
#[allow(clippy::too_many_arguments)]
pub async fn collect<S: Sessions>(
    aws: Arc<S>,
    jobs: Arc<Vec<Job>>,
    role: Role,
    region: String,
    job_ids: Vec<usize>,
    now: i64,
    per_call: usize,
    in_flight: usize,
    known: Known,
    select: impl Fn(&Target, (i64, i64)) -> Option<(i64, i64)>,
) -> ScopeResult {
    use crate::aws::Api;
    let session = match aws.session(&role, &region).await {
        Ok(s) => s,
        Err(e) => return ScopeResult::failed(role, region, job_ids, e),
    };
    let found = match known {
        Known::Cached(f) => f,
        Known::Running(d) => match d.await {
            Ok(f) => f,
            Err(e) => return ScopeResult::failed(role, region, job_ids, e),
        },
    };
    let plan = plan::plan_some(&jobs, &found.targets, now, per_call, select);
    let calls = fetch::fetch(&session, &jobs, &found, &plan, in_flight).await;
    ScopeResult {
        role,
        region,
        account: session.account().to_string(),
        found,
        plan,
        calls,
        error: None,
        jobs: job_ids,
    }
}

/// What a discovery keeps: with `always_info`, an info series for every tagged resource
/// (YACE's `always-return-info-metrics`); and only `shard`'s resources.
#[derive(Clone, Copy, Debug)]
pub struct Keep {
    /// YACE's `always-return-info-metrics`.
    pub always_info: bool,
    /// `--shard` of `--total-shards`.
    pub shard: crate::discovery::shard::Shard,
}

/// Starts the discovery of a (role, region) in its own task, bounded by `deadline`.
pub fn discover_in_background<S: Sessions>(
    aws: Arc<S>,
    jobs: Arc<Vec<Job>>,
    role: Role,
    region: String,
    job_ids: Vec<usize>,
    deadline: Duration,
    keep: Keep,
) -> (Discovery, tokio::task::AbortHandle) {
    let re = region.clone();
    let task = tokio::spawn(async move {
        let session = aws.session(&role, &region).await.map_err(Arc::new)?;
        let work = discovery::discover(&session, &jobs, &job_ids, keep.always_info);
        match tokio::time::timeout(deadline, work).await {
            // Discovery itself is not sharded (ListMetrics is cheap, bench/reports/): each
            // shard lists everything and keeps its own.
            Ok(found) => Ok(Arc::new(keep.shard.keep(
                found,
                &jobs,
                session.account(),
                &region,
            ))),
            Err(_) => Err(Arc::new(AwsError {
                api: "discovery",
                region,
                code: "timeout".into(),
                message: format!("did not finish within {}s", deadline.as_secs()),
            })),
        }
    });
    let abort = task.abort_handle();
    let shared = task
        .map(move |r| match r {
            Ok(r) => r,
            Err(e) => Err(Arc::new(AwsError {
                api: "discovery",
                region: re,
                code: "internal".into(),
                message: format!("the discovery task ended abnormally: {e}"),
            })),
        })
        .boxed()
        .shared();
    (shared, abort)
}
