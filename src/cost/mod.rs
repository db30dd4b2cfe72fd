//! What a config will cost before it runs: series, calls and dollars per cycle, hour and month,
//! computed with the same planner the collector uses.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::aws::RateLimits;
use crate::aws::accounting::requested;
use crate::config::Job;
use crate::discovery::Target;
use crate::schedule::cadence::{Cadence, Due, rediscover};

/// List prices (USD): GetMetricData per metric requested; ListMetrics per API request.
pub const GET_METRIC_DATA_PER_METRIC: f64 = 0.01 / 1000.0;
/// List price (USD) of one ListMetrics request.
pub const LIST_METRICS_PER_REQUEST: f64 = 0.01 / 1000.0;
/// List price (USD) of one metric update delivered by a CloudWatch Metric Stream.
pub const METRIC_STREAM_PER_UPDATE: f64 = 0.003 / 1000.0;
/// Hours in a month, for the monthly figures (365 × 24 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One job's queries in the first cycle, when everything is due.
#[derive(Debug, Serialize, PartialEq)]
pub struct JobCost {
    /// The job's label, e.g. `discovery.jobs[1]`.
    pub job: String,
    /// The job's CloudWatch namespace.
    pub namespace: String,
    /// Queries this job asks for (series × statistics), before sharing with other jobs.
    pub queries: usize,
    /// Queries billed to this job: those no earlier job already asked for.
    pub billed: usize,
}

/// One cadence group: the metrics collected at one interval.
#[derive(Debug, Serialize, PartialEq)]
pub struct GroupCost {
    /// The group's collection interval, in seconds.
    pub interval_seconds: u64,
    /// Distinct queries of this group alone (shared with another group due at the same
    /// moment, a query is fetched once).
    pub metrics_billed_per_collection: usize,
    /// How many times per hour the group is collected.
    pub collections_per_hour: f64,
}

/// What a config costs: per job, per cadence group, and per cycle, hour and month.
#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    /// Every job, in config order.
    pub jobs: Vec<JobCost>,
    /// The cadence groups that have queries, one per collection interval.
    pub groups: Vec<GroupCost>,
    /// Distinct queries of the first cycle, when every group is due: the metrics GetMetricData
    /// bills for it (and every cycle, when all metrics share one interval).
    pub metrics_billed_per_cycle: usize,
    /// GetMetricData calls of the first cycle.
    pub get_metric_data_calls_per_cycle: usize,
    /// Cycles (moments at which some group is due) per hour.
    pub cycles_per_hour: f64,
    /// The least time the first cycle's GetMetricData calls take at the client-side rate limit
    /// (`--aws.rate-limit`), regions side by side; None without a limit.
    pub first_cycle_seconds_at_rate_limit: Option<f64>,
    /// The same for one discovery's ListMetrics and GetResources calls.
    pub discovery_seconds_at_rate_limit: Option<f64>,
    /// Calls one discovery of every (role, region) makes, by API.
    pub discovery_calls_per_run: BTreeMap<String, u64>,
    /// Discoveries per hour of the most often rediscovered (role, region) (all the same unless
    /// a job sets `discoveryInterval`).
    pub discovery_runs_per_hour: f64,
    /// Discovery calls per hour, by API: each (role, region)'s calls at its own rate.
    pub discovery_calls_per_hour: BTreeMap<String, f64>,
    /// GetMetricData calls per hour.
    pub get_metric_data_calls_per_hour: f64,
    /// Every statistic counted: the reading the exporter bills by.
    pub metrics_billed_per_hour: f64,
    /// The other reading of the pricing page: up to five statistics of one metric in one
    /// call count once (see `aws::accounting::Requested`).
    pub metrics_billed_per_hour_by_metric: f64,
    /// GetMetricData per month (USD, list price) by the other reading, rounded to cents.
    pub dollars_per_month_get_metric_data_by_metric: f64,
    /// GetMetricData per month (USD, list price), every statistic counted, rounded to cents.
    pub dollars_per_month_get_metric_data: f64,
    /// ListMetrics per month (USD, list price), rounded to cents.
    pub dollars_per_month_list_metrics: f64,
    /// GetMetricData (every statistic counted) and ListMetrics per month (USD), rounded to
    /// cents.
    pub dollars_per_month: f64,
    /// Series that belong to an ECS task (Container Insights' enhanced observability): their
    /// number, and the bill, grow with the tasks that run.
    pub task_level_series: usize,
    /// Of those, the series of one container of a task.
    pub container_level_series: usize,
    /// With `--total-shards` > 1: the shard these figures are the share of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::discovery::shard::Shard>,
    /// Distinct CloudWatch metrics (namespace, name, dimensions) the config collects: what a
    /// metric stream would send instead, every statistic in one update a minute.
    pub streamed_metrics: usize,
    /// The same series pushed by a metric stream (push mode) per month (USD, list price): one
    /// update per metric per minute, $0.003 per 1,000, rounded to cents.
    pub dollars_per_month_streaming: f64,
}

/// One (role, region), as discovery found (or would find) it.
#[derive(Debug, Default)]
pub struct Scope {
    /// Its region.
    pub region: String,
    /// Its jobs (indexes into the config's jobs): it is touched when one of them is due.
    pub jobs: Vec<usize>,
    /// The series discovery found (or would find) in it.
    pub targets: Vec<Target>,
    /// Calls one discovery of it makes, by API.
    pub discovery_calls: BTreeMap<String, u64>,
    /// How long its discovery is reused, in seconds (0: every cycle).
    pub discovery_interval_seconds: u64,
}

/// The longest stretch of the schedule simulated: a schedule repeats after the least common
/// multiple of its intervals, and past a week the average is as good as exact.
const HORIZON_CAP: u64 = 7 * 86_400;

/// What a config costs, from the same planner and schedule the collector uses: the schedule is
/// walked moment by moment over one period of it (at most a week), each distinct set of due
/// groups planned once.
pub fn report(
    jobs: &[Job],
    scopes: &[Scope],
    per_call: usize,
    cadence: &Cadence,
    limits: &RateLimits,
) -> Report {
    let mut horizon: u64 = 3600;
    for g in cadence
        .intervals()
        .iter()
        .chain(scopes.iter().map(|s| &s.discovery_interval_seconds))
        .filter(|g| **g > 0)
    {
        horizon = (horizon / crate::plan::gcd(horizon, *g))
            .saturating_mul(*g)
            .min(HORIZON_CAP);
    }
    let per_hour = 3600.0 / horizon as f64;

    // Walk the schedule: how often each set of groups is due, and when each scope is
    // rediscovered.
    let mut moments: HashMap<Due, u64> = HashMap::new();
    let mut last: Vec<Option<u64>> = vec![None; scopes.len()];
    let mut runs: Vec<u64> = vec![0; scopes.len()];
    let mut t = 0;
    while t < horizon {
        let due = cadence.due_at(t);
        for (si, s) in scopes.iter().enumerate() {
            let touched = s.jobs.iter().any(|&j| cadence.job_due(j, &due));
            if touched && rediscover(last[si], t, s.discovery_interval_seconds) {
                last[si] = Some(t);
                runs[si] += 1;
            }
        }
        *moments.entry(due).or_default() += 1;
        t = cadence.next_after(t);
    }

    let mut discovery_calls_per_run: BTreeMap<String, u64> = BTreeMap::new();
    let mut discovery_calls_per_hour: BTreeMap<String, f64> = BTreeMap::new();
    let mut discovery_runs_per_hour: f64 = 0.0;
    for (s, n) in scopes.iter().zip(&runs) {
        let runs = *n as f64 * per_hour;
        discovery_runs_per_hour = discovery_runs_per_hour.max(runs);
        for (api, n) in &s.discovery_calls {
            *discovery_calls_per_run.entry(api.clone()).or_default() += n;
            *discovery_calls_per_hour.entry(api.clone()).or_default() += *n as f64 * runs;
        }
    }

    // Calls, metrics (every statistic counted) and metrics by the other reading of the pricing
    // page (up to five statistics of one metric in a call count once) of one set of due groups,
    // over every scope.
    let planned = |wanted: &dyn Fn(&Target) -> bool| -> (usize, usize, u64) {
        // Window mode changes a query's window, never whether it is made: its interval is a
        // multiple of its period, so every window holds new periods.
        let (mut calls, mut queries, mut by_metric) = (0, 0, 0);
        for s in scopes {
            // Time does not change the number or packing of queries.
            let p = crate::plan::plan_some(jobs, &s.targets, 0, per_call, |t, w| {
                wanted(t).then_some(w)
            });
            calls += p.calls.len();
            queries += p.queries();
            for c in &p.calls {
                by_metric += requested(&c.metric_queries(jobs, &s.targets)).by_metric;
            }
        }
        (calls, queries, by_metric)
    };
    let (mut calls_per_hour, mut billed_per_hour, mut by_metric_per_hour) = (0.0, 0.0, 0.0);
    for (due, n) in &moments {
        let (c, q, b) = planned(&|t: &Target| due.contains(cadence.of(t.job, t.metric)));
        calls_per_hour += (c as u64 * n) as f64 * per_hour;
        billed_per_hour += (q as u64 * n) as f64 * per_hour;
        by_metric_per_hour += (b * n) as f64 * per_hour;
    }
    let groups = cadence
        .intervals()
        .iter()
        .map(|&g| GroupCost {
            interval_seconds: g,
            metrics_billed_per_collection: planned(&|t: &Target| cadence.of(t.job, t.metric) == g)
                .1,
            collections_per_hour: (horizon / g) as f64 * per_hour,
        })
        .filter(|g| g.metrics_billed_per_collection > 0)
        .collect();

    // Per job, and the first cycle: everything due.
    let mut costs: Vec<JobCost> = jobs
        .iter()
        .map(|j| JobCost {
            job: j.label.clone(),
            namespace: j.namespace.clone(),
            queries: 0,
            billed: 0,
        })
        .collect();
    let (mut calls, mut billed_total) = (0, 0);
    let (mut task_level, mut container_level) = (0, 0);
    // The client-side limits are per (account, region, API): calls of one region at most share
    // one limiter, and regions run side by side.
    let mut calls_by_region: BTreeMap<&str, usize> = BTreeMap::new();
    let mut discovery_by_region: BTreeMap<&str, f64> = BTreeMap::new();
    for s in scopes {
        for (api, n) in &s.discovery_calls {
            if let Some(rate) = limits.rate(api) {
                *discovery_by_region.entry(&s.region).or_default() += *n as f64 / rate;
            }
        }
    }
    let mut streamed: HashSet<(usize, &str, &str, Vec<&crate::model::Dim>)> = HashSet::new();
    for (
        si,
        Scope {
            targets, region, ..
        },
    ) in scopes.iter().enumerate()
    {
        for t in targets.iter() {
            let job = &jobs[t.job];
            let mut dims: Vec<&crate::model::Dim> = t.dimensions.iter().collect();
            dims.sort();
            streamed.insert((si, &job.namespace, &job.metrics[t.metric].name, dims));
        }
        let p = crate::plan::plan(jobs, targets, 0, per_call);
        calls += p.calls.len();
        *calls_by_region.entry(region).or_default() += p.calls.len();
        billed_total += p.queries();
        let mut seen = HashSet::new();
        for t in targets.iter() {
            let dim = |d: &str| {
                t.dimensions
                    .iter()
                    .find(|x| x.name == d)
                    .map(|x| x.value.as_str())
            };
            let task = crate::catalog::lookup(&jobs[t.job].namespace)
                .and_then(|ns| ns.resource_for(dim))
                .is_some_and(|r| r.tag_type == "ecs:task");
            if task {
                task_level += 1;
                container_level += usize::from(dim("ContainerName").is_some());
            }
        }
        for (ti, t) in targets.iter().enumerate() {
            for s in p.slots(ti) {
                costs[t.job].queries += 1;
                if seen.insert((s.call, s.query)) {
                    costs[t.job].billed += 1;
                }
            }
        }
    }
    let list_calls_per_hour = *discovery_calls_per_hour.get("ListMetrics").unwrap_or(&0.0);
    let gmd = billed_per_hour * HOURS_PER_MONTH * GET_METRIC_DATA_PER_METRIC;
    let gmd_by_metric = by_metric_per_hour * HOURS_PER_MONTH * GET_METRIC_DATA_PER_METRIC;
    let lm = list_calls_per_hour * HOURS_PER_MONTH * LIST_METRICS_PER_REQUEST;
    let at_rate = |n: usize| limits.rate("GetMetricData").map(|r| n as f64 / r);
    Report {
        jobs: costs,
        groups,
        first_cycle_seconds_at_rate_limit: calls_by_region
            .values()
            .filter_map(|n| at_rate(*n))
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x)))),
        discovery_seconds_at_rate_limit: discovery_by_region
            .values()
            .copied()
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x)))),
        metrics_billed_per_cycle: billed_total,
        get_metric_data_calls_per_cycle: calls,
        cycles_per_hour: moments.values().sum::<u64>() as f64 * per_hour,
        discovery_calls_per_run,
        discovery_runs_per_hour,
        discovery_calls_per_hour,
        get_metric_data_calls_per_hour: calls_per_hour,
        metrics_billed_per_hour: billed_per_hour,
        metrics_billed_per_hour_by_metric: by_metric_per_hour,
        dollars_per_month_get_metric_data_by_metric: round_cents(gmd_by_metric),
        dollars_per_month_get_metric_data: round_cents(gmd),
        dollars_per_month_list_metrics: round_cents(lm),
        dollars_per_month: round_cents(gmd + lm),
        task_level_series: task_level,
        container_level_series: container_level,
        shard: None,
        streamed_metrics: streamed.len(),
        dollars_per_month_streaming: round_cents(
            streamed.len() as f64 * 60.0 * HOURS_PER_MONTH * METRIC_STREAM_PER_UPDATE,
        ),
    }
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Report {
    /// The report as plain text: a table of the jobs' queries, then the totals per cycle, hour
    /// and month.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let w = self
            .jobs
            .iter()
            .map(|j| j.job.len())
            .max()
            .unwrap_or(3)
            .max(5);
        let nw = self
            .jobs
            .iter()
            .map(|j| j.namespace.len())
            .max()
            .unwrap_or(9)
            .max(9);
        let _ = writeln!(
            s,
            "{:w$}  {:nw$}  {:>9}  {:>14}",
            "job", "namespace", "queries", "billed/cycle"
        );
        for j in &self.jobs {
            let _ = writeln!(
                s,
                "{:w$}  {:nw$}  {:>9}  {:>14}",
                j.job, j.namespace, j.queries, j.billed
            );
        }
        let total: usize = self.jobs.iter().map(|j| j.queries).sum();
        let _ = writeln!(
            s,
            "{:w$}  {:nw$}  {:>9}  {:>14}",
            "total", "", total, self.metrics_billed_per_cycle
        );
        let _ = writeln!(s);
        if self.task_level_series > 0 {
            let _ = writeln!(
                s,
                "task-level series: {} ({} of them per container): every new task is new series, so their number and the bill grow with the tasks that run",
                self.task_level_series, self.container_level_series
            );
        }
        if self.groups.len() > 1 {
            let groups: Vec<String> = self
                .groups
                .iter()
                .map(|g| {
                    format!(
                        "every {} s: {} metrics ({:.1} times per hour)",
                        g.interval_seconds, g.metrics_billed_per_collection, g.collections_per_hour
                    )
                })
                .collect();
            let _ = writeln!(s, "cadence groups: {}", groups.join("; "));
        }
        let _ = writeln!(
            s,
            "{}: {} GetMetricData call(s), {} metrics billed",
            if self.groups.len() > 1 {
                "first cycle (every group due)"
            } else {
                "per cycle"
            },
            self.get_metric_data_calls_per_cycle,
            self.metrics_billed_per_cycle
        );
        let _ = writeln!(
            s,
            "per hour:  {:.0} cycles, {:.0} GetMetricData calls, {:.0} metrics billed",
            self.cycles_per_hour, self.get_metric_data_calls_per_hour, self.metrics_billed_per_hour
        );
        let disc: Vec<String> = self
            .discovery_calls_per_run
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let per_hour: Vec<String> = self
            .discovery_calls_per_hour
            .iter()
            .map(|(k, v)| format!("{k} {v:.0}"))
            .collect();
        let _ = writeln!(
            s,
            "discovery: {} per run, at most {:.1} runs per hour{}",
            if disc.is_empty() {
                "no calls".to_string()
            } else {
                disc.join(", ")
            },
            self.discovery_runs_per_hour,
            if per_hour.is_empty() {
                String::new()
            } else {
                format!(" ({} calls per hour)", per_hour.join(", "))
            }
        );
        let _ = writeln!(
            s,
            "per month (730 h, list price): ${:.2} GetMetricData + ${:.2} ListMetrics = ${:.2}",
            self.dollars_per_month_get_metric_data,
            self.dollars_per_month_list_metrics,
            self.dollars_per_month
        );
        let _ = writeln!(
            s,
            "pushed instead by a metric stream (push mode): {} metrics, one update a minute each, every statistic included: ${:.2} per month at $0.003 per 1,000 updates (plus Firehose's own price per GB)",
            self.streamed_metrics, self.dollars_per_month_streaming
        );
        let limited: Vec<String> = [
            (
                "a full cycle's GetMetricData calls",
                self.first_cycle_seconds_at_rate_limit,
            ),
            ("a discovery's calls", self.discovery_seconds_at_rate_limit),
        ]
        .iter()
        .filter_map(|(what, s)| s.map(|s| format!("{what} take at least {s:.1} s")))
        .collect();
        if !limited.is_empty() {
            let _ = writeln!(s, "at the client-side rate limits: {}", limited.join("; "));
        }
        if self.metrics_billed_per_hour_by_metric < self.metrics_billed_per_hour {
            let _ = writeln!(
                s,
                "  (if AWS bills up to five statistics of one metric in one call as one metric: {:.0} metrics per hour, ${:.2} GetMetricData per month)",
                self.metrics_billed_per_hour_by_metric,
                self.dollars_per_month_get_metric_data_by_metric
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{self, jobs};

    #[test]
    fn the_seed_config_on_fifty_services() {
        let jobs = jobs(include_str!("../../examples/seed-config.yml"));
        let mut targets = Vec::new();
        for (ji, job) in jobs.iter().enumerate() {
            let n = if ji == 0 { 3 } else { 50 };
            for m in 0..job.metrics.len() {
                for i in 0..n {
                    targets.push(target(ji, m, i));
                }
            }
        }
        let r = one_scope(&jobs, targets, 16, 300, 500);
        assert_eq!(r.jobs[0].queries, 6);
        assert_eq!(r.jobs[1].queries, 700);
        assert_eq!(r.metrics_billed_per_cycle, 706);
        // One statistic per metric: both readings of the pricing page agree.
        assert_eq!(r.metrics_billed_per_hour_by_metric, 8472.0);
        assert_eq!(r.get_metric_data_calls_per_cycle, 2);
        assert_eq!(r.cycles_per_hour, 12.0);
        // At the default limits: 2 calls at 40/s, 16 ListMetrics at 20/s.
        assert_eq!(r.first_cycle_seconds_at_rate_limit, Some(0.05));
        assert_eq!(r.discovery_seconds_at_rate_limit, Some(0.8));
        assert!(
            r.to_text().contains("at the client-side rate limits: a full cycle's GetMetricData calls take at least 0.1 s; a discovery's calls take at least 0.8 s"),
            "{}",
            r.to_text()
        );
        assert_eq!(r.metrics_billed_per_hour, 8472.0);
        // 8,472 × 730 × $0.00001 = $61.85; 16 × 6 × 730 × $0.00001 = $0.70.
        assert_eq!(r.dollars_per_month_get_metric_data, 61.85);
        assert_eq!(r.dollars_per_month_list_metrics, 0.7);
        assert_eq!(r.dollars_per_month, 62.55);
        // Streamed instead: 706 metrics × 60 updates an hour × 730 h × $0.000003 = $92.77, more
        // than polling one statistic every 5 minutes costs.
        assert_eq!(r.streamed_metrics, 706);
        assert_eq!(r.dollars_per_month_streaming, 92.77);
        let text = r.to_text();
        assert!(
            text.contains("pushed instead by a metric stream (push mode): 706 metrics"),
            "{text}"
        );
        assert!(
            text.contains("per cycle: 2 GetMetricData call(s), 706 metrics billed"),
            "{text}"
        );
    }

    /// The report of one (role, region) holding every job, discovered every 600 s with
    /// `list_metrics` ListMetrics calls, at the default rate limits.
    fn one_scope(
        jobs: &[Job],
        targets: Vec<Target>,
        list_metrics: u64,
        interval: u64,
        per_call: usize,
    ) -> Report {
        let scope = Scope {
            region: "r".into(),
            jobs: (0..jobs.len()).collect(),
            targets,
            discovery_calls: BTreeMap::from([("ListMetrics".to_string(), list_metrics)]),
            discovery_interval_seconds: 600,
        };
        report(
            jobs,
            &[scope],
            per_call,
            &Cadence::new(jobs, interval),
            &RateLimits::default(),
        )
    }

    #[test]
    fn each_scope_is_rediscovered_at_its_own_rate() {
        let jobs = jobs(
            "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: AWS/ECS\n    regions: [eu-west-1]\n    metrics: [{name: M, statistics: [Sum]}]\n",
        );
        let scope = |interval, calls| Scope {
            region: "r".into(),
            jobs: vec![0],
            targets: Vec::new(),
            discovery_calls: BTreeMap::from([("ListMetrics".to_string(), calls)]),
            discovery_interval_seconds: interval,
        };
        // 10 calls every 600 s, 4 every 3600 s, 2 every cycle (capped at the cycle rate).
        let r = report(
            &jobs,
            &[scope(600, 10), scope(3600, 4), scope(0, 2)],
            500,
            &Cadence::new(&jobs, 300),
            &RateLimits::default(),
        );
        assert_eq!(r.discovery_calls_per_run["ListMetrics"], 16);
        assert_eq!(r.discovery_calls_per_hour["ListMetrics"], 60.0 + 4.0 + 24.0);
        assert_eq!(r.discovery_runs_per_hour, 12.0);
        // 88 × 730 × $0.00001 = $0.64.
        assert_eq!(r.dollars_per_month_list_metrics, 0.64);
    }

    #[test]
    fn task_and_container_level_series_are_counted_and_said_to_grow_with_the_tasks() {
        let jobs = jobs(
            "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: ECS/ContainerInsights\n    regions: [eu-west-1]\n    metrics: [{name: TaskMemoryUtilization, statistics: [Maximum]}]\n",
        );
        let with = |dims: &[(&str, &str)]| Target {
            job: 0,
            metric: 0,
            dimensions: dims
                .iter()
                .map(|(n, v)| crate::model::Dim {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect::<Vec<_>>()
                .into(),
            resource: "r".into(),
            tags: Vec::new().into(),
            account: None,
        };
        let task = [("ClusterName", "c"), ("ServiceName", "s"), ("TaskId", "t1")];
        let container = [
            ("ClusterName", "c"),
            ("ServiceName", "s"),
            ("TaskId", "t1"),
            ("ContainerName", "app"),
        ];
        let service = [("ClusterName", "c"), ("ServiceName", "s")];
        let r = one_scope(
            &jobs,
            vec![with(&task), with(&container), with(&service)],
            1,
            300,
            500,
        );
        assert_eq!((r.task_level_series, r.container_level_series), (2, 1));
        assert!(
            r.to_text().contains(
                "task-level series: 2 (1 of them per container): every new task is new series"
            ),
            "{}",
            r.to_text()
        );
        let r = one_scope(&jobs, vec![with(&service)], 1, 300, 500);
        assert!(!r.to_text().contains("task-level"));
    }

    fn target(job: usize, metric: usize, i: usize) -> Target {
        test_support::target(job, metric, "ServiceName", &format!("s{i}"))
    }

    #[test]
    fn cadence_groups_are_billed_at_their_own_rates_and_batched_when_due_together() {
        // 300 critical queries every 60 s, 400 others every 3600 s, discovery every 600 s.
        let jobs = jobs(
            r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    collectionInterval: 60
    metrics: [{name: CPUUtilization, statistics: [Average], period: 60, length: 60}]
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics: [{name: MemoryUtilization, statistics: [Average], period: 3600, length: 3600}]
"#,
        );
        let mut targets: Vec<Target> = (0..300).map(|i| target(0, 0, i)).collect();
        targets.extend((0..400).map(|i| target(1, 0, i)));
        let r = one_scope(&jobs, targets, 3, 3600, 500);
        assert_eq!(
            r.groups,
            vec![
                GroupCost {
                    interval_seconds: 60,
                    metrics_billed_per_collection: 300,
                    collections_per_hour: 60.0
                },
                GroupCost {
                    interval_seconds: 3600,
                    metrics_billed_per_collection: 400,
                    collections_per_hour: 1.0
                },
            ]
        );
        assert_eq!(r.cycles_per_hour, 60.0);
        // 59 moments of 300 queries in one call; one of 700 in two.
        assert_eq!(r.get_metric_data_calls_per_hour, 59.0 + 2.0);
        assert_eq!(r.metrics_billed_per_hour, 60.0 * 300.0 + 400.0);
        // One statistic per metric: both readings of the pricing page agree.
        assert_eq!(
            r.metrics_billed_per_hour_by_metric,
            r.metrics_billed_per_hour
        );
        assert_eq!(r.get_metric_data_calls_per_cycle, 2);
        assert_eq!(r.metrics_billed_per_cycle, 700);
        // The scope is touched every minute, so discovery runs every 600 s.
        assert_eq!(r.discovery_runs_per_hour, 6.0);
        assert_eq!(r.discovery_calls_per_hour["ListMetrics"], 18.0);
        let text = r.to_text();
        assert!(
            text.contains("every 60 s: 300 metrics (60.0 times per hour); every 3600 s: 400 metrics (1.0 times per hour)"),
            "{text}"
        );
        assert!(
            text.contains(
                "first cycle (every group due): 2 GetMetricData call(s), 700 metrics billed"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_scope_whose_jobs_are_rarely_due_is_rediscovered_only_when_touched() {
        let jobs = jobs(
            "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: AWS/ECS\n    regions: [eu-west-1]\n    collectionInterval: 1800\n    metrics: [{name: M, statistics: [Sum]}]\n",
        );
        let r = one_scope(&jobs, vec![target(0, 0, 0)], 1, 300, 500);
        assert_eq!(r.discovery_runs_per_hour, 2.0);
        assert_eq!(r.get_metric_data_calls_per_hour, 2.0);
        // The 300 s flag is no moment of this config: no metric has it.
        assert_eq!(r.groups.len(), 1);
        assert_eq!(r.cycles_per_hour, 2.0);
    }

    #[test]
    fn the_other_reading_counts_up_to_five_statistics_of_a_metric_in_a_call_once() {
        let jobs = jobs(
            "apiVersion: v1alpha1\ndiscovery:\n  jobs:\n  - type: AWS/ECS\n    regions: [eu-west-1]\n    metrics: [{name: M, statistics: [Average, Maximum, Minimum, Sum, SampleCount, p99]}]\n",
        );
        let scope = |per_call| {
            one_scope(
                &jobs,
                (0..10).map(|i| target(0, 0, i)).collect(),
                0,
                3600,
                per_call,
            )
        };
        let r = scope(500);
        assert_eq!(r.metrics_billed_per_hour, 60.0);
        // Six statistics: two metrics each.
        assert_eq!(r.metrics_billed_per_hour_by_metric, 20.0);
        assert!(r.to_text().contains("if AWS bills up to five statistics of one metric in one call as one metric: 20 metrics per hour"), "{}", r.to_text());
        // Seven queries a call: a call boundary splits a metric's statistics at most once.
        let r = scope(7);
        assert_eq!(r.get_metric_data_calls_per_hour, 9.0);
        assert!(
            (20.0..=20.0 + 8.0).contains(&r.metrics_billed_per_hour_by_metric),
            "{r:?}"
        );
    }
}
