//! Collection: one cycle collects the cadence groups due at that moment. It runs discovery
//! where it is due, plans and fetches every (role, region) with a due job in parallel
//! (`scope`), turns the datapoints into series ([`series`]), records what it learnt
//! (`state`), and makes an immutable [`Snapshot`] that scrapes read. Groups not due keep
//! serving what they last collected.

mod scope;
pub mod series;
mod snapshot;
mod state;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::aws::{Aws, AwsError, Sessions, now_secs};
use crate::config::Job;
use crate::discovery;
use crate::exposition::layout::{Exposition, Renderer};
use crate::exposition::text::Families;
use crate::schedule::{cadence, discovery_age, window_mode};
use cadence::Cadence;
use scope::{Discovery, Known, ScopeResult};
pub use snapshot::{ScopeStatus, Snapshot};
use state::{Scope, State};

/// A discovery may run this many cycle timeouts before it is given up: it outlives the cycle
/// that started it (a slow ListMetrics rate must not make it start over forever), but not
/// without end.
pub const DISCOVERY_DEADLINE_CYCLES: u32 = 10;

/// A discovery in its own task: the moment it started, the task to stop if the collector goes.
struct Running {
    discovery: Discovery,
    started: u64,
    abort: tokio::task::AbortHandle,
}

/// A collection of a (role, region) that failed its last collection, left running when the
/// cycle that started it ended: its result is recorded, as of its own moment, by the first
/// cycle that finds it done.
struct Straggler {
    task: AbortOnDrop,
    moment: u64,
    due: Arc<cadence::Due>,
    began: Instant,
}

/// A collection task that stops when its handle goes: a cycle dropped by a reload must not
/// leave the old config's collections calling AWS.
struct AbortOnDrop(tokio::task::JoinHandle<(ScopeResult, f64)>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The collector's settings, from the flags.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--scraping-interval`: the cadence of metrics that set no `collectionInterval`.
    pub interval: Duration,
    /// The most queries in one GetMetricData call (`--metrics-per-query`, at most 500).
    pub metrics_per_query: usize,
    /// `--labels-snake-case`: dimension labels in snake_case.
    pub labels_snake_case: bool,
    /// How long a (role, region)'s discovery is reused before ListMetrics and the tagging API
    /// are asked again. Zero: every cycle.
    pub discovery_interval: Duration,
    /// How long a failing job's last good series are still served before they are dropped
    /// (None: three of their group's intervals). Never less than two of the group's intervals,
    /// so a group collected rarely keeps its series through one failed collection.
    pub failed_series_retention: Option<Duration>,
    /// `--window-mode.backfill` (seconds): how much further back than one interval the first
    /// window of a window-mode metric reaches (see [`window_mode::window`]).
    pub window_backfill: u64,
    /// The most one (role, region) may take in a cycle; past it its jobs fail with `timeout`.
    pub cycle_timeout: Duration,
    /// GetMetricData calls in flight per (role, region).
    pub calls_in_flight: usize,
    /// An info series for every tagged resource a tag-reading job finds, even one without
    /// series (YACE's `always-return-info-metrics`).
    pub always_info_metrics: bool,
    /// The resources this process keeps (`--shard` of `--total-shards`).
    pub shard: crate::discovery::shard::Shard,
}

/// The state of one config job after the last cycle.
#[derive(Clone, Debug)]
pub struct JobStatus {
    /// Where the job is in the config, e.g. `discovery.jobs[0]`.
    pub label: String,
    /// Its CloudWatch namespace.
    pub namespace: String,
    /// Whether each of its groups succeeded at its last collection.
    pub success: bool,
    /// The first error of the cycle, as loggable text (no secrets).
    pub error: Option<String>,
    /// The series it serves now (retained ones included).
    pub series: usize,
    /// When it last succeeded (seconds since the epoch).
    pub last_success: Option<i64>,
    /// How often its most frequent metrics are collected (seconds): how old `last_success`
    /// may normally get.
    pub interval_seconds: u64,
    /// Its most recent error and when (seconds since the epoch), kept after it recovers.
    pub last_error: Option<(String, i64)>,
}

/// Runs collection cycles for one config, through `S` (the SDK's [`Aws`], or the unit tests'
/// fake).
pub struct Collector<S: Sessions = Aws> {
    jobs: Arc<Vec<Job>>,
    aws: Arc<S>,
    opts: Options,
    cadence: Arc<Cadence>,
    /// When the schedule started; moments are whole seconds from it.
    start: Instant,
    /// The same, in seconds since the epoch.
    start_epoch: i64,
    /// The moment of the next cycle.
    next: u64,
    state: State,
    /// Discoveries still running (they outlive a cycle that timed out), with the task to stop
    /// when the collector goes (a reload).
    discovering: HashMap<Scope, Running>,
    /// Each (role, region)'s labels and families, rebuilt when its discovery is.
    shapes: HashMap<Scope, Arc<series::Shape>>,
    /// Collections of failing (role, region)s still running from earlier cycles.
    stragglers: HashMap<Scope, Straggler>,
    renderer: Renderer,
    /// Identical series dropped, summed over cycles (YACE's duplicate counter).
    duplicates_total: u64,
}

impl<S: Sessions> Collector<S> {
    /// A collector for `jobs` through `aws`; its schedule starts now.
    pub fn new(jobs: Vec<Job>, aws: Arc<S>, opts: Options) -> Self {
        let cadence = Arc::new(Cadence::new(&jobs, opts.interval.as_secs()));
        Collector {
            state: State::new(jobs.len()),
            jobs: Arc::new(jobs),
            aws,
            opts,
            cadence,
            start: Instant::now(),
            start_epoch: now_secs(),
            next: 0,
            discovering: HashMap::new(),
            shapes: HashMap::new(),
            stragglers: HashMap::new(),
            renderer: Renderer::default(),
            duplicates_total: 0,
        }
    }

    /// The jobs it collects.
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
        // Collections left running by earlier cycles: those done are recorded now, as of
        // their own moments (this cycle's outcomes then start afresh); a scope whose
        // collection still runs is not started again.
        let mut still = HashMap::new();
        for (key, mut st) in std::mem::take(&mut self.stragglers) {
            if st.task.0.is_finished() {
                match (&mut st.task.0).await {
                    Ok((r, took)) => self.record(st.moment, &st.due, &r, took),
                    Err(e) => tracing::error!(error = %e, "a collection task panicked"),
                }
            } else {
                still.insert(key, st);
            }
        }
        // Scopes that failed their last collection run beside the cycle, not in it: a denied
        // role or an unreachable region must not hold up the others' fresh values. (If every
        // due scope failed last time, there is no one to hold up: they are waited for.)
        let mut beside = Vec::new();
        let mut busy = Vec::new();
        for ((role, region), job_ids) in discovery::scopes(&self.jobs) {
            // A (role, region) with nothing due is not touched, not even rediscovered.
            if !job_ids.iter().any(|&j| self.cadence.job_due(j, &due)) {
                continue;
            }
            let key = (role.clone(), region.clone());
            if let Some(st) = still.get(&key) {
                let last = self.state.scope_error(&key);
                busy.push(still_running(role, region, job_ids, st.began, last));
                continue;
            }
            let failing = self.state.failing(&key);
            let scope_jobs = (role.clone(), region.clone(), job_ids.clone());
            let (jobs, aws, cadence, due) = (
                self.jobs.clone(),
                self.aws.clone(),
                self.cadence.clone(),
                due.clone(),
            );
            let (per_call, in_flight) = (self.opts.metrics_per_query, self.opts.calls_in_flight);
            let max_age = discovery_age(&self.jobs, &job_ids, self.opts.discovery_interval);
            let cached = self.state.discovery(&key, moment, max_age.as_secs());
            let deadline = self.opts.cycle_timeout;
            // No usable discovery: join the one running, or start one in its own task.
            let discovering = cached.is_none().then(|| {
                self.discovering
                    .entry(key.clone())
                    .or_insert_with(|| {
                        let (discovery, abort) = scope::discover_in_background(
                            aws.clone(),
                            jobs.clone(),
                            role.clone(),
                            region.clone(),
                            job_ids.clone(),
                            deadline * DISCOVERY_DEADLINE_CYCLES,
                            scope::Keep {
                                always_info: self.opts.always_info_metrics,
                                shard: self.opts.shard,
                            },
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
            let since = self.state.window_ends(&key);
            let backfill = self.opts.window_backfill;
            let task = async move {
                let began = Instant::now();
                let (r, re, ids) = (role.clone(), region.clone(), job_ids.clone());
                let select = {
                    let jobs = jobs.clone();
                    move |t: &discovery::Target, w: (i64, i64)| {
                        let group = cadence.of(t.job, t.metric);
                        if !due.contains(group) {
                            return None;
                        }
                        let m = &jobs[t.job].metrics[t.metric];
                        let since = since.get(&(t.job, t.metric)).copied();
                        window_mode::window(m, group, backfill, since, w)
                    }
                };
                let still = discovering.clone();
                let known = match (cached, discovering) {
                    (Some(f), _) => Known::Cached(f),
                    (None, Some(d)) => Known::Running(d),
                    (None, None) => unreachable!("a discovery runs when none is cached"),
                };
                let work = scope::collect(
                    aws, jobs, role, region, job_ids, now, per_call, in_flight, known, select,
                );
                let result = match tokio::time::timeout(deadline, work).await {
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
                };
                (result, began.elapsed().as_secs_f64())
            };
            if failing {
                beside.push((scope_jobs, AbortOnDrop(tokio::spawn(task))));
            } else {
                set.spawn(task);
            }
        }
        // With no other scope to hold up, the failing ones are waited for as before.
        let alone = set.is_empty();
        let mut results = Vec::new();
        while let Some(r) = set.join_next().await {
            match r {
                Ok(r) => results.push(r),
                Err(e) => tracing::error!(error = %e, "a collection task panicked"),
            }
        }
        // Those beside the cycle that are done count in it; the others fail it as still
        // running, and count when they are done.
        for ((role, region, job_ids), mut task) in beside {
            if alone || task.0.is_finished() {
                match (&mut task.0).await {
                    Ok(r) => results.push(r),
                    Err(e) => tracing::error!(error = %e, "a collection task panicked"),
                }
            } else {
                let last = self.state.scope_error(&(role.clone(), region.clone()));
                busy.push(still_running(
                    role.clone(),
                    region.clone(),
                    job_ids,
                    started,
                    last,
                ));
                let st = Straggler {
                    task,
                    moment,
                    due: due.clone(),
                    began: started,
                };
                still.insert((role, region), st);
            }
        }
        self.stragglers = still;
        results.extend(busy);
        // Deterministic output whatever order the scopes finished in.
        results.sort_by(|(a, _), (b, _)| (&a.region, &a.account).cmp(&(&b.region, &b.account)));
        // A discovery that ended is not joined again.
        let ended: Vec<Scope> = self
            .discovering
            .iter()
            .filter(|(_, r)| r.discovery.peek().is_some())
            .map(|(k, _)| k.clone())
            .collect();
        for key in ended {
            let run = self.discovering.remove(&key).expect("listed above");
            let found = run.discovery.peek().expect("ended");
            self.state.discovery_ended(key, run.started, found);
        }

        let touched: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| self.cadence.job_due(j, &due))
            .collect();
        self.state.begin(&touched, &self.cadence, &due);
        for (r, took) in &results {
            self.record(moment, &due, r, *took);
        }
        let status = self
            .state
            .status(&self.jobs, &self.cadence, &touched, now_secs());
        let duration = started.elapsed().as_secs_f64();
        let prepare_started = Instant::now();
        let cloudwatch = self.renderer.prepare(&self.state.lists());
        if cloudwatch.duplicates() > 0 && cloudwatch.rebuilt {
            tracing::warn!(
                duplicates = cloudwatch.duplicates(),
                "jobs export identical series; only the first of each is kept"
            );
        }
        let prepare_seconds = prepare_started.elapsed().as_secs_f64();
        let aws = self.aws.clone();
        let acc = aws.accounting();
        let mut families = Families::default();
        self.duplicates_total += cloudwatch.duplicates() as u64;
        series::add_self_metrics(&mut families, acc, &status, duration, self.duplicates_total);
        series::add_shard(&mut families, self.opts.shard);
        let scopes = self.state.scopes();
        series::add_scopes(&mut families, &scopes);

        self.advance(moment);
        Snapshot {
            next_at: Some(self.start_epoch + self.next as i64),
            calls_total: acc.calls().values().sum(),
            metrics_billed_total: acc.requested().values().map(|r| r.queries).sum(),
            cloudwatch,
            own: Exposition::of(families),
            jobs: status,
            scopes,
            finished_at: Some(now_secs()),
            groups: due.intervals().to_vec(),
            duration_seconds: duration,
            prepare_seconds,
        }
    }

    /// Turns one (role, region)'s result, which took `took` seconds, into series and records
    /// it.
    fn record(&mut self, moment: u64, due: &cadence::Due, r: &ScopeResult, took: f64) {
        let failed = r.failures();
        // The scope's own error, else its first failing job's: the same every cycle.
        let error = r.error.clone().or_else(|| {
            failed
                .iter()
                .min_by_key(|(j, _)| **j)
                .map(|(_, e)| e.clone())
        });
        let ended = error.as_ref().is_none_or(|e| e.code != STILL_RUNNING);
        self.state.scope_collected(
            &(r.role.clone(), r.region.clone()),
            &r.account,
            error.map(|e| e.to_string()),
            ended,
            now_secs(),
            took,
        );
        if r.found.unassociated > 0 {
            tracing::debug!(
                region = %r.region,
                series = r.found.unassociated,
                "series of jobs with search tags belong to resources the tagging API does not list; not exported"
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
                self.shapes.insert(key.clone(), s.clone());
                s
            }
        };
        let fresh = series::build(&self.jobs, &self.cadence, due, &shape, &r.plan, &r.calls);
        let opts = &self.opts;
        self.state.record(
            moment,
            &key,
            &r.jobs,
            &self.cadence,
            due,
            &failed,
            fresh,
            |g| retention(opts, g).as_secs(),
        );
        self.state
            .windows_ended(&key, r.window_ends(&self.jobs, &failed));
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

/// The error code of a collection still running when its cycle ended.
const STILL_RUNNING: &str = "still_running";

/// The result of a (role, region) whose collection, begun at `began`, is still running: its
/// jobs fail there this cycle, keeping their last good series for their retention. The error
/// says what failed last (`last`), so the landing page and the log keep the AWS error.
fn still_running(
    role: crate::config::Role,
    region: String,
    jobs: Vec<usize>,
    began: Instant,
    last: Option<String>,
) -> (ScopeResult, f64) {
    let took = began.elapsed();
    let last = last
        .map(|e| format!("; it last failed with: {e}"))
        .unwrap_or_default();
    let error = AwsError {
        api: "collection",
        region: region.clone(),
        code: STILL_RUNNING.into(),
        message: format!(
            "its collection begun {} s ago is still running (a scope that failed its last collection is not waited for){last}",
            took.as_secs()
        ),
    };
    (
        ScopeResult::failed(role, region, jobs, error),
        took.as_secs_f64(),
    )
}

/// How long a failing group's last good series are served: the flag, or three of its
/// intervals; never less than two.
fn retention(opts: &Options, group: u64) -> Duration {
    let g = Duration::from_secs(group);
    opts.failed_series_retention.unwrap_or(3 * g).max(2 * g)
}

impl<S: Sessions> Drop for Collector<S> {
    /// A replaced pipeline's discoveries and collections stop with it.
    fn drop(&mut self) {
        for run in self.discovering.values() {
            run.abort.abort();
        }
        // The stragglers' tasks stop as their handles are dropped (`AbortOnDrop`).
    }
}
