//! What a config will cost before it runs: series, calls and dollars per cycle, hour and month,
//! computed with the same planner the collector uses.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::config::Job;
use crate::discovery::Target;

/// List prices (USD): GetMetricData per metric requested; ListMetrics per API request.
pub const GET_METRIC_DATA_PER_METRIC: f64 = 0.01 / 1000.0;
pub const LIST_METRICS_PER_REQUEST: f64 = 0.01 / 1000.0;
pub const HOURS_PER_MONTH: f64 = 730.0;

#[derive(Debug, Serialize, PartialEq)]
pub struct JobCost {
    pub job: String,
    pub namespace: String,
    /// Queries this job asks for (series × statistics), before sharing with other jobs.
    pub queries: usize,
    /// Queries billed to this job: those no earlier job already asked for.
    pub billed: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    pub jobs: Vec<JobCost>,
    /// Distinct queries per cycle: the metrics GetMetricData bills each cycle.
    pub metrics_billed_per_cycle: usize,
    pub get_metric_data_calls_per_cycle: usize,
    pub cycles_per_hour: f64,
    /// Calls one discovery of every (role, region) makes, by API.
    pub discovery_calls_per_run: BTreeMap<String, u64>,
    /// Discoveries per hour of the most often rediscovered (role, region) (all the same unless
    /// a job sets `discoveryInterval`).
    pub discovery_runs_per_hour: f64,
    /// Discovery calls per hour, by API: each (role, region)'s calls at its own rate.
    pub discovery_calls_per_hour: BTreeMap<String, f64>,
    pub get_metric_data_calls_per_hour: f64,
    pub metrics_billed_per_hour: f64,
    pub dollars_per_month_get_metric_data: f64,
    pub dollars_per_month_list_metrics: f64,
    pub dollars_per_month: f64,
}

/// One (role, region), as discovery found (or would find) it.
#[derive(Debug, Default)]
pub struct Scope {
    pub targets: Vec<Target>,
    /// Calls one discovery of it makes, by API.
    pub discovery_calls: BTreeMap<String, u64>,
    /// How long its discovery is reused, in seconds (0: every cycle).
    pub discovery_interval_seconds: u64,
}

pub fn report(jobs: &[Job], scopes: &[Scope], per_call: usize, interval_seconds: u64) -> Report {
    let mut costs: Vec<JobCost> = jobs
        .iter()
        .map(|j| JobCost {
            job: j.label.clone(),
            namespace: j.namespace.clone(),
            queries: 0,
            billed: 0,
        })
        .collect();
    let mut billed_total = 0;
    let mut calls = 0;
    let cycles_per_hour = 3600.0 / interval_seconds.max(1) as f64;
    let mut discovery_calls_per_run: BTreeMap<String, u64> = BTreeMap::new();
    let mut discovery_calls_per_hour: BTreeMap<String, f64> = BTreeMap::new();
    let mut discovery_runs_per_hour: f64 = 0.0;
    for s in scopes {
        // Discovery runs at most once per cycle.
        let runs = if s.discovery_interval_seconds == 0 {
            cycles_per_hour
        } else {
            (3600.0 / s.discovery_interval_seconds as f64).min(cycles_per_hour)
        };
        discovery_runs_per_hour = discovery_runs_per_hour.max(runs);
        for (api, n) in &s.discovery_calls {
            *discovery_calls_per_run.entry(api.clone()).or_default() += n;
            *discovery_calls_per_hour.entry(api.clone()).or_default() += *n as f64 * runs;
        }
    }
    for Scope { targets, .. } in scopes {
        // Time does not change the number or packing of queries.
        let p = super::plan(jobs, targets, 0, per_call);
        calls += p.calls.len();
        billed_total += p.queries();
        let mut seen = HashSet::new();
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
    let metrics_billed_per_hour = billed_total as f64 * cycles_per_hour;
    let gmd = metrics_billed_per_hour * HOURS_PER_MONTH * GET_METRIC_DATA_PER_METRIC;
    let lm = list_calls_per_hour * HOURS_PER_MONTH * LIST_METRICS_PER_REQUEST;
    Report {
        jobs: costs,
        metrics_billed_per_cycle: billed_total,
        get_metric_data_calls_per_cycle: calls,
        cycles_per_hour,
        discovery_calls_per_run,
        discovery_runs_per_hour,
        discovery_calls_per_hour,
        get_metric_data_calls_per_hour: calls as f64 * cycles_per_hour,
        metrics_billed_per_hour,
        dollars_per_month_get_metric_data: round_cents(gmd),
        dollars_per_month_list_metrics: round_cents(lm),
        dollars_per_month: round_cents(gmd + lm),
    }
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl Report {
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
        let _ = writeln!(
            s,
            "per cycle: {} GetMetricData call(s), {} metrics billed",
            self.get_metric_data_calls_per_cycle, self.metrics_billed_per_cycle
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
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_str;
    use crate::model::Dim;
    use std::path::Path;
    use std::sync::Arc;

    #[test]
    fn the_seed_config_on_fifty_services() {
        let jobs = parse_str(
            include_str!("../../examples/seed-config.yml"),
            Path::new("c"),
            true,
        )
        .unwrap()
        .config
        .jobs;
        let mut targets = Vec::new();
        for (ji, job) in jobs.iter().enumerate() {
            let n = if ji == 0 { 3 } else { 50 };
            for m in 0..job.metrics.len() {
                for i in 0..n {
                    targets.push(Target {
                        job: ji,
                        metric: m,
                        dimensions: Arc::from(vec![Dim {
                            name: "ServiceName".into(),
                            value: format!("s{i}"),
                        }]),
                        resource: Arc::from("r"),
                        tags: Arc::from(Vec::new()),
                    });
                }
            }
        }
        let scope = Scope {
            targets,
            discovery_calls: BTreeMap::from([("ListMetrics".to_string(), 16)]),
            discovery_interval_seconds: 600,
        };
        let r = report(&jobs, &[scope], 500, 300);
        assert_eq!(r.jobs[0].queries, 6);
        assert_eq!(r.jobs[1].queries, 700);
        assert_eq!(r.metrics_billed_per_cycle, 706);
        assert_eq!(r.get_metric_data_calls_per_cycle, 2);
        assert_eq!(r.cycles_per_hour, 12.0);
        assert_eq!(r.metrics_billed_per_hour, 8472.0);
        // 8,472 × 730 × $0.00001 = $61.85; 16 × 6 × 730 × $0.00001 = $0.70.
        assert_eq!(r.dollars_per_month_get_metric_data, 61.85);
        assert_eq!(r.dollars_per_month_list_metrics, 0.7);
        assert_eq!(r.dollars_per_month, 62.55);
        let text = r.to_text();
        assert!(
            text.contains("per cycle: 2 GetMetricData call(s), 706 metrics billed"),
            "{text}"
        );
    }

    #[test]
    fn each_scope_is_rediscovered_at_its_own_rate() {
        let scope = |interval, calls| Scope {
            targets: Vec::new(),
            discovery_calls: BTreeMap::from([("ListMetrics".to_string(), calls)]),
            discovery_interval_seconds: interval,
        };
        // 10 calls every 600 s, 4 every 3600 s, 2 every cycle (capped at the cycle rate).
        let r = report(
            &[],
            &[scope(600, 10), scope(3600, 4), scope(0, 2)],
            500,
            300,
        );
        assert_eq!(r.discovery_calls_per_run["ListMetrics"], 16);
        assert_eq!(r.discovery_calls_per_hour["ListMetrics"], 60.0 + 4.0 + 24.0);
        assert_eq!(r.discovery_runs_per_hour, 12.0);
        // 88 × 730 × $0.00001 = $0.64.
        assert_eq!(r.dollars_per_month_list_metrics, 0.64);
    }
}
