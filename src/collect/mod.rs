//! Collection: one cycle collects the cadence groups due at that moment. It runs discovery
//! where it is due, plans and fetches every (role, region) with a due job in parallel, turns the
//! datapoints into series, and makes an immutable [`Snapshot`] that scrapes read. Groups not due
//! keep serving what they last collected.

pub mod cadence;
pub mod series;
pub mod window_mode;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::{Aws, AwsError, CallPoints, now_secs};
use crate::config::{Job, Role};
use crate::discovery::{self, Found};
use crate::exposition::layout::{Exposition, List, Renderer};
use crate::exposition::text::{Families, render_openmetrics, render_text};
use crate::plan;
use cadence::Cadence;

/// How many GetMetricData calls of one (role, region) run at once.
const CALLS_IN_FLIGHT: usize = 4;

/// A discovery may run this many cycle timeouts before it is given up: it outlives the cycle
/// that started it (a slow ListMetrics rate must not make it start over forever), but not
/// without end.
pub const DISCOVERY_DEADLINE_CYCLES: u32 = 10;

/// A discovery running in its own task, awaited by every cycle until it is done.
type Discovery = Shared<BoxFuture<'static, Result<Arc<Found>, Arc<AwsError>>>>;

/// What a scope's cycle starts from: a discovery to reuse, or the one running.
enum Known {
    Cached(Arc<Found>),
    Running(Discovery),
}

/// A discovery in its own task: the moment it started, the task to stop if the collector goes.
struct Running {
    discovery: Discovery,
    started: u64,
    abort: tokio::task::AbortHandle,
}

#[derive(Clone, Debug)]
pub struct Options {
    /// `--scraping-interval`: the cadence of metrics that set no `collectionInterval`.
    pub interval: Duration,
    pub metrics_per_query: usize,
    pub labels_snake_case: bool,
    /// How long a (role, region)'s discovery is reused before ListMetrics and the tagging API
    /// are asked again. Zero: every cycle.
    pub discovery_interval: Duration,
    /// How long a failing job's last good series are still served before they are dropped
    /// (None: three of their group's intervals). Never less than two of the group's intervals,
    /// so a group collected rarely keeps its series through one failed collection.
    pub failed_series_retention: Option<Duration>,
    /// The most one (role, region) may take in a cycle; past it its jobs fail with `timeout`.
    pub cycle_timeout: Duration,
}

/// The state of one config job after the last cycle.
#[derive(Clone, Debug)]
pub struct JobStatus {
    pub label: String,
    pub namespace: String,
    pub success: bool,
    /// The first error of the cycle, as loggable text (no secrets).
    pub error: Option<String>,
    pub series: usize,
    pub last_success: Option<i64>,
    /// How often its most frequent metrics are collected (seconds): how old `last_success`
    /// may normally get.
    pub interval_seconds: u64,
    /// Its most recent error and when (seconds since the epoch), kept after it recovers.
    pub last_error: Option<(String, i64)>,
}

/// What `/metrics` serves: made once per cycle, read by every scrape.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The CloudWatch series: written out per scrape from their layout and values.
    pub cloudwatch: Exposition,
    /// The exporter's own series, rendered (a few dozen lines): text, and OpenMetrics without
    /// `# EOF` (the server ends the response).
    pub own_text: Bytes,
    pub own_openmetrics: Bytes,
    pub jobs: Vec<JobStatus>,
    /// When the last cycle finished (seconds since the epoch); None before the first.
    pub finished_at: Option<i64>,
    /// The collection intervals (cadence groups) this cycle collected.
    pub groups: Vec<u64>,
    /// When the next cycle is due (seconds since the epoch).
    pub next_at: Option<i64>,
    /// AWS calls made since the process started (every API, every outcome).
    pub calls_total: u64,
    /// GetMetricData metrics billed since the process started (every statistic counted).
    pub metrics_billed_total: u64,
    pub duration_seconds: f64,
    /// Time to prepare the cycle's series for scrapes (the layout is reused while discovery
    /// is; the bytes are written per scrape).
    pub prepare_seconds: f64,
}

impl Snapshot {
    pub fn ready(&self) -> bool {
        self.finished_at.is_some()
    }

    /// What is served before the first collection: the build info, so a scrape already shows
    /// which exporter answers, and nothing that could pass for a collection result.
    pub fn starting() -> Snapshot {
        let mut fs = Families::default();
        series::add_build_info(&mut fs);
        let (own_text, own_openmetrics) = small(fs);
        Snapshot {
            own_text,
            own_openmetrics,
            ..Snapshot::default()
        }
    }

    /// The exposition in chunks, to be written in order (OpenMetrics without `# EOF`).
    pub fn chunks(&self, openmetrics: bool) -> impl Iterator<Item = Bytes> + Send + 'static {
        let own = if openmetrics {
            self.own_openmetrics.clone()
        } else {
            self.own_text.clone()
        };
        self.cloudwatch
            .chunks(openmetrics)
            .chain(std::iter::once(own))
    }

    /// All of it in one buffer.
    pub fn to_vec(&self, openmetrics: bool) -> Vec<u8> {
        self.chunks(openmetrics).flat_map(|c| c.to_vec()).collect()
    }
}

/// A few series through the general path: text, and OpenMetrics without `# EOF`.
fn small(fs: Families) -> (Bytes, Bytes) {
    let (fams, _) = fs.finish();
    let mut om = render_openmetrics(&fams);
    om.truncate(om.len() - b"# EOF\n".len());
    (Bytes::from(render_text(&fams)), Bytes::from(om))
}

/// Runs collection cycles for one config.
pub struct Collector {
    jobs: Arc<Vec<Job>>,
    aws: Arc<Aws>,
    opts: Options,
    cadence: Arc<Cadence>,
    /// When the schedule started; moments are whole seconds from it.
    start: Instant,
    /// The same, in seconds since the epoch.
    start_epoch: i64,
    /// Per (role, region), per window-mode (job, metric): where its last successful window
    /// ended, so the next one starts there.
    window_ends: HashMap<(Role, String), WindowEnds>,
    /// The moment of the next cycle.
    next: u64,
    last_success: Vec<Option<i64>>,
    /// Each job's most recent error and when.
    last_error: Vec<Option<(String, i64)>>,
    /// Each (job, cadence group)'s error at its last collection (None: it succeeded).
    outcome: HashMap<(usize, u64), Option<String>>,
    /// The last complete discovery of each (role, region), and the moment it ran.
    discovered: HashMap<(Role, String), (u64, Arc<Found>)>,
    /// Discoveries still running (they outlive a cycle that timed out), with the task to stop
    /// when the collector goes (a reload).
    discovering: HashMap<(Role, String), Running>,
    /// Each (job, cadence group, role, region)'s series from its last successful collection,
    /// and when that was.
    last_good: HashMap<LastGoodKey, (Instant, LastGood)>,
    /// Each (role, region)'s labels and families, rebuilt when its discovery is.
    shapes: HashMap<(Role, String), Arc<series::Shape>>,
    renderer: Renderer,
}

/// A (job, cadence group, role, region)'s series from a successful collection.
type LastGood = Vec<List>;
type LastGoodKey = (usize, u64, Role, String);
/// Per window-mode (job, metric) of a (role, region), where its last window ended.
type WindowEnds = Arc<HashMap<(usize, usize), i64>>;

/// The outcome of one (role, region).
struct ScopeResult {
    role: Role,
    region: String,
    account: String,
    found: Arc<Found>,
    plan: plan::Plan,
    /// Per call: its results, or why it failed.
    calls: Vec<Result<CallPoints, Arc<AwsError>>>,
    /// Set when the scope could not even start (credentials, STS).
    error: Option<Arc<AwsError>>,
    jobs: Vec<usize>,
}

impl ScopeResult {
    /// A (role, region) that failed as a whole: every job of it fails with `error`.
    fn failed(
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
            plan: plan::Plan::default(),
            calls: vec![],
            error: Some(error.into()),
            jobs,
        }
    }
}

impl Collector {
    pub fn new(jobs: Vec<Job>, aws: Arc<Aws>, opts: Options) -> Self {
        let n = jobs.len();
        let cadence = Arc::new(Cadence::new(&jobs, opts.interval.as_secs()));
        Collector {
            jobs: Arc::new(jobs),
            aws,
            opts,
            cadence,
            start: Instant::now(),
            start_epoch: now_secs(),
            window_ends: HashMap::new(),
            next: 0,
            last_success: vec![None; n],
            last_error: vec![None; n],
            outcome: HashMap::new(),
            discovered: HashMap::new(),
            discovering: HashMap::new(),
            last_good: HashMap::new(),
            shapes: HashMap::new(),
            renderer: Renderer::default(),
        }
    }

    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// When the next cycle is due.
    pub fn next_due(&self) -> Instant {
        self.start + Duration::from_secs(self.next)
    }

    /// Collects the groups due at the scheduled moment (call it at [`Collector::next_due`]) and
    /// moves the schedule on. Never fails: failures are per job, in the snapshot.
    pub async fn cycle(&mut self) -> Snapshot {
        let started = Instant::now();
        let moment = self.next;
        let due = Arc::new(self.cadence.due_at(moment));
        // The schedule's time rather than the clock's (they differ by the wake-up latency), so
        // a group's windows move by exactly its interval; the clock's if it jumped (suspend,
        // clock step).
        let scheduled = self.start_epoch + moment as i64;
        let now = match now_secs() {
            real if (real - scheduled).abs() <= 2 => scheduled,
            real => real,
        };
        let mut set = JoinSet::new();
        for ((role, region), job_ids) in discovery::scopes(&self.jobs) {
            // A (role, region) with nothing due is not touched, not even rediscovered.
            if !job_ids.iter().any(|&j| self.cadence.job_due(j, &due)) {
                continue;
            }
            let (jobs, aws, cadence, due) = (
                self.jobs.clone(),
                self.aws.clone(),
                self.cadence.clone(),
                due.clone(),
            );
            let per_call = self.opts.metrics_per_query;
            let max_age = discovery_age(&self.jobs, &job_ids, self.opts.discovery_interval);
            let cached = self
                .discovered
                .get(&(role.clone(), region.clone()))
                .filter(|(at, _)| !cadence::rediscover(Some(*at), moment, max_age.as_secs()))
                .map(|(_, f)| f.clone());
            let deadline = self.opts.cycle_timeout;
            // No usable discovery: join the one running, or start one in its own task.
            let discovering = cached.is_none().then(|| {
                self.discovering
                    .entry((role.clone(), region.clone()))
                    .or_insert_with(|| {
                        let (discovery, abort) = discover_in_background(
                            aws.clone(),
                            jobs.clone(),
                            role.clone(),
                            region.clone(),
                            job_ids.clone(),
                            deadline * DISCOVERY_DEADLINE_CYCLES,
                        );
                        Running {
                            discovery,
                            started: moment,
                            abort,
                        }
                    })
                    .discovery
                    .clone()
            });
            let since = self
                .window_ends
                .get(&(role.clone(), region.clone()))
                .cloned()
                .unwrap_or_default();
            set.spawn(async move {
                let (r, re, ids) = (role.clone(), region.clone(), job_ids.clone());
                let select = {
                    let jobs = jobs.clone();
                    move |t: &discovery::Target, w: (i64, i64)| {
                        let group = cadence.of(t.job, t.metric);
                        if !due.contains(group) {
                            return None;
                        }
                        let m = &jobs[t.job].metrics[t.metric];
                        window_mode::window(m, group, since.get(&(t.job, t.metric)).copied(), w)
                    }
                };
                let still = discovering.clone();
                let known = match (cached, discovering) {
                    (Some(f), _) => Known::Cached(f),
                    (None, Some(d)) => Known::Running(d),
                    (None, None) => unreachable!("a discovery runs when none is cached"),
                };
                let work = scope(aws, jobs, role, region, job_ids, now, per_call, known, select);
                match tokio::time::timeout(deadline, work).await {
                    Ok(result) => result,
                    Err(_) => {
                        let running = still.is_some_and(|d| d.peek().is_none());
                        let message = if running {
                            format!(
                                "did not finish within {}s: discovery is still running and continues in the background",
                                deadline.as_secs()
                            )
                        } else {
                            format!("did not finish within {}s", deadline.as_secs())
                        };
                        ScopeResult::failed(
                            r,
                            re.clone(),
                            ids,
                            AwsError {
                                api: "collection",
                                region: re,
                                code: "timeout".into(),
                                message,
                            },
                        )
                    }
                }
            });
        }
        let mut results = Vec::new();
        while let Some(r) = set.join_next().await {
            match r {
                Ok(r) => results.push(r),
                Err(e) => tracing::error!(error = %e, "a collection task panicked"),
            }
        }
        // Deterministic output whatever order the scopes finished in.
        results.sort_by(|a, b| (&a.region, &a.account).cmp(&(&b.region, &b.account)));
        // A discovery that ended is not joined again. A complete one is kept for the next
        // cycles, dated by when it started, even if its cycle then failed (a fetch that timed
        // out must not make it start over); a partial or failed one is retried next time.
        let ended: Vec<(Role, String)> = self
            .discovering
            .iter()
            .filter(|(_, r)| r.discovery.peek().is_some())
            .map(|(k, _)| k.clone())
            .collect();
        for key in ended {
            let run = self.discovering.remove(&key).expect("listed above");
            if let Some(Ok(found)) = run.discovery.peek()
                && found.failed.is_empty()
            {
                self.discovered.insert(key, (run.started, found.clone()));
            }
        }

        // The due groups of every job touched start as successes; any scope's error fails them.
        let touched: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| self.cadence.job_due(j, &due))
            .collect();
        for &j in &touched {
            for &g in self.cadence.of_job(j) {
                if due.contains(g) {
                    self.outcome.insert((j, g), None);
                }
            }
        }
        for r in &results {
            // Jobs that failed in this (role, region), with the first error.
            let mut failed: HashMap<usize, Arc<AwsError>> = HashMap::new();
            if let Some(e) = &r.error {
                for &j in &r.jobs {
                    failed.entry(j).or_insert_with(|| e.clone());
                }
            }
            for (j, e) in &r.found.failed {
                failed.entry(*j).or_insert_with(|| e.clone());
            }
            for (ti, t) in r.found.targets.iter().enumerate() {
                for slot in r.plan.slots(ti) {
                    if let Err(e) = &r.calls[slot.call as usize] {
                        failed.entry(t.job).or_insert_with(|| e.clone());
                    }
                }
            }
            if r.found.unassociated > 0 {
                tracing::debug!(
                    region = %r.region,
                    series = r.found.unassociated,
                    "series matched a job but belong to no known resource; not exported"
                );
            }
            let key = (r.role.clone(), r.region.clone());
            let shape = match self.shapes.get(&key) {
                Some(s) if s.is_for(&r.found, &r.account) => s.clone(),
                _ => {
                    let s = Arc::new(series::Shape::new(
                        &self.jobs,
                        &self.cadence,
                        r.found.clone(),
                        &r.region,
                        &r.account,
                        self.opts.labels_snake_case,
                    ));
                    self.shapes.insert(key, s.clone());
                    s
                }
            };
            let mut fresh =
                series::build(&self.jobs, &self.cadence, &due, &shape, &r.plan, &r.calls);
            for &j in &r.jobs {
                for &g in self.cadence.of_job(j) {
                    if !due.contains(g) {
                        continue;
                    }
                    let key = (j, g, r.role.clone(), r.region.clone());
                    if let Some(e) = failed.get(&j) {
                        let outcome = self.outcome.entry((j, g)).or_default();
                        outcome.get_or_insert_with(|| e.to_string());
                        if self
                            .last_good
                            .get(&key)
                            .is_some_and(|(at, _)| at.elapsed() > self.retention(g))
                        {
                            // Kept long enough: drop them, so Prometheus marks them stale.
                            self.last_good.remove(&key);
                        }
                    } else {
                        let list = fresh.remove(&(j, g)).unwrap_or_default();
                        self.last_good.insert(key, (Instant::now(), list));
                    }
                }
            }
            // The next window of each window-mode metric that succeeded starts where this one
            // ended.
            let mut ends: Option<HashMap<(usize, usize), i64>> = None;
            for (ti, t) in r.found.targets.iter().enumerate() {
                let (Some(slot), false) = (r.plan.slots(ti).first(), failed.contains_key(&t.job))
                else {
                    continue;
                };
                if self.jobs[t.job].metrics[t.metric].window_mode {
                    let ends = ends.get_or_insert_with(|| {
                        self.window_ends
                            .get(&(r.role.clone(), r.region.clone()))
                            .map(|m| (**m).clone())
                            .unwrap_or_default()
                    });
                    ends.insert((t.job, t.metric), slot.end);
                }
            }
            if let Some(ends) = ends {
                self.window_ends
                    .insert((r.role.clone(), r.region.clone()), Arc::new(ends));
            }
        }
        let status = self.status(&touched);
        let duration = started.elapsed().as_secs_f64();
        let prepare_started = Instant::now();
        // Each group's series: this collection's where it succeeded, its last good ones where
        // it failed (for a bounded time), what it last collected where it was not due. In a
        // fixed order, so the renderer sees the same shape from one cycle to the next.
        let mut lists: Vec<(&LastGoodKey, &LastGood)> =
            self.last_good.iter().map(|(k, (_, l))| (k, l)).collect();
        lists.sort_by(|a, b| a.0.cmp(b.0));
        let slices: Vec<&List> = lists.iter().flat_map(|(_, l)| l.iter()).collect();
        let cloudwatch = self.renderer.prepare(&slices);
        if cloudwatch.duplicates() > 0 && cloudwatch.rebuilt {
            tracing::warn!(
                duplicates = cloudwatch.duplicates(),
                "jobs export identical series; only the first of each is kept"
            );
        }
        let prepare_seconds = prepare_started.elapsed().as_secs_f64();
        let mut families = Families::default();
        series::add_self_metrics(&mut families, &self.aws.accounting, &status, duration);
        let (own_text, own_openmetrics) = small(families);
        self.advance(moment);
        let acc = &self.aws.accounting;
        Snapshot {
            next_at: Some(self.start_epoch + self.next as i64),
            calls_total: acc.calls().values().sum(),
            metrics_billed_total: acc.requested().values().map(|r| r.queries).sum(),
            cloudwatch,
            own_text,
            own_openmetrics,
            jobs: status,
            finished_at: Some(now_secs()),
            groups: due.intervals().to_vec(),
            duration_seconds: duration,
            prepare_seconds,
        }
    }

    /// How long a failing group's last good series are served.
    fn retention(&self, group: u64) -> Duration {
        let g = Duration::from_secs(group);
        self.opts
            .failed_series_retention
            .unwrap_or(3 * g)
            .max(2 * g)
    }

    /// Every job's state: a job succeeds when each of its groups did at its last collection.
    fn status(&mut self, touched: &[usize]) -> Vec<JobStatus> {
        let finished = now_secs();
        let mut status: Vec<JobStatus> = self
            .jobs
            .iter()
            .enumerate()
            .map(|(j, job)| {
                let error = self
                    .cadence
                    .of_job(j)
                    .iter()
                    .find_map(|&g| self.outcome.get(&(j, g)).cloned().flatten());
                JobStatus {
                    label: job.label.clone(),
                    namespace: job.namespace.clone(),
                    success: error.is_none(),
                    error,
                    series: 0,
                    last_success: None,
                    interval_seconds: self.cadence.info(j),
                    last_error: None,
                }
            })
            .collect();
        for ((j, ..), (_, list)) in &self.last_good {
            status[*j].series += list.iter().map(List::len).sum::<usize>();
        }
        for &j in touched {
            match &status[j].error {
                None => self.last_success[j] = Some(finished),
                Some(e) => self.last_error[j] = Some((e.clone(), finished)),
            }
        }
        for (j, s) in status.iter_mut().enumerate() {
            s.last_success = self.last_success[j];
            s.last_error = self.last_error[j].clone();
        }
        status
    }

    /// Moves the schedule past `moment` and past now: a moment missed while a cycle overran is
    /// skipped, not made up, so groups stay on their multiples and keep being batched together.
    fn advance(&mut self, moment: u64) {
        let natural = self.cadence.next_after(moment);
        let elapsed = self.start.elapsed().as_secs();
        self.next = natural.max(self.cadence.next_after(elapsed));
        if self.next > natural {
            tracing::warn!(
                moment,
                took_seconds = elapsed - moment,
                next = self.next,
                "collection overran its next moment; the groups due in between are skipped until their next turn"
            );
        }
    }
}

impl Drop for Collector {
    /// A replaced pipeline's discoveries stop with it.
    fn drop(&mut self) {
        for run in self.discovering.values() {
            run.abort.abort();
        }
    }
}

/// Starts the discovery of a (role, region) in its own task, bounded by `deadline`.
fn discover_in_background(
    aws: Arc<Aws>,
    jobs: Arc<Vec<Job>>,
    role: Role,
    region: String,
    job_ids: Vec<usize>,
    deadline: Duration,
) -> (Discovery, tokio::task::AbortHandle) {
    let re = region.clone();
    let task = tokio::spawn(async move {
        let session = aws.session(&role, &region).await.map_err(Arc::new)?;
        let work = discovery::discover(&session, &jobs, &job_ids);
        match tokio::time::timeout(deadline, work).await {
            Ok(found) => Ok(Arc::new(found)),
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

/// How long the discovery of a (role, region) may be reused: the shortest `discoveryInterval`
/// of its jobs, `default` (the flag) for jobs without one.
pub fn discovery_age(jobs: &[Job], job_ids: &[usize], default: Duration) -> Duration {
    job_ids
        .iter()
        .map(|&j| {
            jobs[j]
                .discovery_interval
                .map_or(default, |s| Duration::from_secs(u64::from(s)))
        })
        .min()
        .unwrap_or(default)
}

#[allow(clippy::too_many_arguments)]
async fn scope(
    aws: Arc<Aws>,
    jobs: Arc<Vec<Job>>,
    role: Role,
    region: String,
    job_ids: Vec<usize>,
    now: i64,
    per_call: usize,
    known: Known,
    select: impl Fn(&discovery::Target, (i64, i64)) -> Option<(i64, i64)>,
) -> ScopeResult {
    let session = match aws.session(&role, &region).await {
        Ok(s) => s,
        Err(e) => {
            return ScopeResult::failed(role, region, job_ids, e);
        }
    };
    let found = match known {
        Known::Cached(f) => f,
        Known::Running(d) => match d.await {
            Ok(f) => f,
            Err(e) => return ScopeResult::failed(role, region, job_ids, e),
        },
    };
    let plan = plan::plan_some(&jobs, &found.targets, now, per_call, select);
    let limit = Arc::new(Semaphore::new(CALLS_IN_FLIGHT));
    let mut set = JoinSet::new();
    for (i, call) in plan.calls.iter().enumerate() {
        let session = session.clone();
        let call = call.clone();
        let limit = limit.clone();
        let (jobs, found) = (jobs.clone(), found.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("never closed");
            // Built only now, so at most CALLS_IN_FLIGHT calls' queries exist at once.
            let queries = call.metric_queries(&jobs, &found.targets);
            let r = session
                .get_metric_data(&queries, call.start, call.end)
                .await
                .map_err(Arc::new);
            (i, r)
        });
    }
    let mut calls: BTreeMap<usize, Result<CallPoints, Arc<AwsError>>> = BTreeMap::new();
    while let Some(r) = set.join_next().await {
        if let Ok((i, r)) = r {
            calls.insert(i, r);
        }
    }
    let calls = (0..plan.calls.len())
        .map(|i| {
            calls.remove(&i).unwrap_or_else(|| {
                Err(Arc::new(AwsError {
                    api: "GetMetricData",
                    region: region.clone(),
                    code: "internal".into(),
                    message: "the call's task ended abnormally".into(),
                }))
            })
        })
        .collect();
    ScopeResult {
        role,
        region,
        account: session.account.clone(),
        found,
        plan,
        calls,
        error: None,
        jobs: job_ids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_the_first_collection_only_the_build_info_is_served() {
        let s = Snapshot::starting();
        assert!(!s.ready());
        let text = String::from_utf8(s.to_vec(false)).unwrap();
        assert_eq!(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>(),
            vec![format!(
                "cw_exporter_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )]
        );
        let om = String::from_utf8(s.to_vec(true)).unwrap();
        assert!(
            om.starts_with("# TYPE cw_exporter_build_info gauge\n"),
            "{om}"
        );
        assert!(!om.contains("# EOF"), "the server ends the response");
    }
}
