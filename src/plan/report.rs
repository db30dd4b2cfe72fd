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
    /// Calls one discovery makes, by API.
    pub discovery_calls_per_run: BTreeMap<String, u64>,
    pub discovery_runs_per_hour: f64,
    pub get_metric_data_calls_per_hour: f64,
    pub metrics_billed_per_hour: f64,
    pub dollars_per_month_get_metric_data: f64,
    pub dollars_per_month_list_metrics: f64,
    pub dollars_per_month: f64,
}

/// `scopes`: the targets of each (role, region), as discovery found (or would find) them.
pub fn report(
    jobs: &[Job],
    scopes: &[Vec<Target>],
    per_call: usize,
    interval_seconds: u64,
    discovery_interval_seconds: u64,
    discovery_calls_per_run: BTreeMap<String, u64>,
) -> Report {
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
    for targets in scopes {
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
    let cycles_per_hour = 3600.0 / interval_seconds.max(1) as f64;
    // Discovery runs at most once per cycle.
    let discovery_runs_per_hour = if discovery_interval_seconds == 0 {
        cycles_per_hour
    } else {
        (3600.0 / discovery_interval_seconds as f64).min(cycles_per_hour)
    };
    let list_calls = *discovery_calls_per_run.get("ListMetrics").unwrap_or(&0) as f64;
    let metrics_billed_per_hour = billed_total as f64 * cycles_per_hour;
    let gmd = metrics_billed_per_hour * HOURS_PER_MONTH * GET_METRIC_DATA_PER_METRIC;
    let lm = list_calls * discovery_runs_per_hour * HOURS_PER_MONTH * LIST_METRICS_PER_REQUEST;
    Report {
        jobs: costs,
        metrics_billed_per_cycle: billed_total,
        get_metric_data_calls_per_cycle: calls,
        cycles_per_hour,
        discovery_calls_per_run,
        discovery_runs_per_hour,
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
        let _ = writeln!(
            s,
            "discovery: {} per run, {:.1} runs per hour",
            if disc.is_empty() {
                "no calls".to_string()
            } else {
                disc.join(", ")
            },
            self.discovery_runs_per_hour
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
        let disc = BTreeMap::from([("ListMetrics".to_string(), 16)]);
        let r = report(&jobs, &[targets], 500, 300, 600, disc);
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
}
