//! Turning datapoints into Prometheus samples, YACE's way, and the exporter's own series.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::aws::{Accounting, AwsError, QueryResult};
use crate::collect::JobStatus;
use crate::config::{Job, JobKind};
use crate::discovery::Found;
use crate::exposition::names::{label_suffix, metric_name, valid_metric_name};
use crate::exposition::text::{Families, Kind};
use crate::plan::Plan;

fn label_or_warn(
    out: &mut BTreeMap<String, String>,
    prefix: &str,
    key: &str,
    value: &str,
    snake: bool,
) {
    match label_suffix(key, snake) {
        Some(s) => {
            out.insert(format!("{prefix}{s}"), value.to_string());
        }
        None => {
            // Once per key for the process, not once per series and cycle.
            static WARNED: std::sync::OnceLock<
                std::sync::Mutex<std::collections::HashSet<String>>,
            > = std::sync::OnceLock::new();
            let mut warned = WARNED
                .get_or_init(Default::default)
                .lock()
                .expect("not poisoned");
            if warned.insert(key.to_string()) {
                tracing::warn!(key, "not a valid Prometheus label name; label skipped");
            }
        }
    }
}

/// One sample, before it joins its family.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: Arc<str>,
    pub help: Arc<str>,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

impl Series {
    pub fn add_to(&self, families: &mut Families) {
        families.add(
            &self.name,
            || self.help.to_string(),
            Kind::Gauge,
            self.labels.clone(),
            self.value,
            self.timestamp_ms,
        );
    }
}

/// The samples of one (role, region), per job (index into `jobs`).
#[allow(clippy::too_many_arguments)]
pub fn build(
    jobs: &[Job],
    found: &Found,
    plan: &Plan,
    calls: &[Result<Vec<QueryResult>, Arc<AwsError>>],
    region: &str,
    account: &str,
    snake: bool,
) -> HashMap<usize, Vec<Series>> {
    let mut out: HashMap<usize, Vec<Series>> = HashMap::new();
    // Results by (call, query index): ids are `q<index>`.
    let by_slot: Vec<HashMap<usize, &QueryResult>> = calls
        .iter()
        .map(|c| match c {
            Ok(results) => results
                .iter()
                .filter_map(|r| r.id.strip_prefix('q')?.parse().ok().map(|i: usize| (i, r)))
                .collect(),
            Err(_) => HashMap::new(),
        })
        .collect();
    let no_points: Vec<(i64, f64)> = Vec::new();

    for (ti, t) in found.targets.iter().enumerate() {
        let job = &jobs[t.job];
        let m = &job.metrics[t.metric];
        let mut labels = BTreeMap::new();
        labels.insert("name".to_string(), t.resource.to_string());
        for d in &t.dimensions {
            label_or_warn(&mut labels, "dimension_", &d.name, &d.value, snake);
        }
        for (k, v) in job.exported_tags.iter().zip(t.tags.iter()) {
            label_or_warn(&mut labels, "tag_", k, v, snake);
        }
        for (k, v) in &job.custom_tags {
            label_or_warn(&mut labels, "custom_tag_", k, v, snake);
        }
        labels.insert("region".into(), region.to_string());
        labels.insert("account_id".into(), account.to_string());

        for (si, stat) in m.statistics.iter().enumerate() {
            let slot = plan.slots[ti][si];
            if calls[slot.call].is_err() {
                continue; // the job is marked failed; no made-up value
            }
            let points = by_slot[slot.call]
                .get(&slot.query)
                .map(|r| &r.points)
                .unwrap_or(&no_points);
            // Newest first; only this requester's own window.
            let mine = points
                .iter()
                .filter(|(ts, _)| *ts >= slot.start && *ts < slot.end);
            let name: Arc<str> = metric_name(&job.namespace, &m.name, stat).into();
            if !valid_metric_name(&name) {
                warn_once(&name);
                continue;
            }
            let help: Arc<str> = format!(
                "CloudWatch {} {} {}, period {}s, over the last {}s{}",
                job.namespace,
                m.name,
                stat,
                m.period,
                m.length,
                if m.delay > 0 {
                    format!(" delayed {}s", m.delay)
                } else {
                    String::new()
                }
            )
            .into();
            let list = out.entry(t.job).or_default();
            let mut any = false;
            for (ts, v) in mine {
                any = true;
                list.push(Series {
                    name: name.clone(),
                    help: help.clone(),
                    labels: labels.clone(),
                    value: *v,
                    timestamp_ms: m.add_cloudwatch_timestamp.then_some(ts * 1000),
                });
                if !m.export_all_data_points {
                    break;
                }
            }
            // No datapoint: NaN, or 0 with nilToZero. With CloudWatch timestamps there is no
            // honest timestamp to give, so nothing is exported (as YACE does).
            if !any && !m.add_cloudwatch_timestamp {
                list.push(Series {
                    name,
                    help,
                    labels: labels.clone(),
                    value: if m.nil_to_zero { 0.0 } else { f64::NAN },
                    timestamp_ms: None,
                });
            }
        }
    }

    for r in &found.resources {
        let job = &jobs[r.job];
        if job.kind != JobKind::Discovery {
            continue;
        }
        let name: Arc<str> = metric_name(&job.namespace, "info", "").into();
        if !valid_metric_name(&name) {
            warn_once(&name);
            continue;
        }
        let mut labels = BTreeMap::new();
        labels.insert("name".to_string(), r.arn.to_string());
        for (k, v) in &r.tags {
            label_or_warn(&mut labels, "tag_", k, v, snake);
        }
        if job.include_context_on_info {
            labels.insert("region".into(), region.to_string());
            labels.insert("account_id".into(), account.to_string());
            for (k, v) in &job.custom_tags {
                label_or_warn(&mut labels, "custom_tag_", k, v, snake);
            }
        }
        out.entry(r.job).or_default().push(Series {
            name,
            help: format!(
                "A {} resource the exporter discovered (value is always 0)",
                job.namespace
            )
            .into(),
            labels,
            value: 0.0,
            timestamp_ms: None,
        });
    }
    out
}

/// Says once per process that a name cannot be exported, rather than once per cycle.
fn warn_once(name: &str) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().expect("not poisoned");
    if !seen.iter().any(|s| s == name) {
        tracing::warn!(
            metric = name,
            "not a valid Prometheus metric name (namespace or metric name has characters YACE's naming keeps); series skipped"
        );
        seen.push(name.to_string());
    }
}

pub fn add_build_info(fs: &mut Families) {
    fs.add(
        "cw_exporter_build_info",
        || "Build of the running cw-exporter (value is always 1)".into(),
        Kind::Gauge,
        l(&[("version", env!("CARGO_PKG_VERSION"))]),
        1.0,
        None,
    );
}

fn l(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The exporter's own series. Label `config_job`, not `job`, so as not to clash with the
/// target label Prometheus adds.
pub fn add_self_metrics(fs: &mut Families, acc: &Accounting, jobs: &[JobStatus], duration: f64) {
    add_build_info(fs);
    for (k, n) in acc.calls() {
        fs.add(
            "cw_exporter_api_calls_total",
            || "AWS API calls made, by API, region, account and final outcome (success or the AWS error code), after the SDK's retries".into(),
            Kind::Counter,
            l(&[
                ("api", k.api),
                ("region", &k.region),
                ("account_id", &k.account),
                ("outcome", &k.outcome),
            ]),
            n as f64,
            None,
        );
    }
    for ((api, region, account, outcome), n) in acc.attempt_errors() {
        fs.add(
            "cw_exporter_api_attempt_errors_total",
            || "Failed HTTP attempts of AWS API calls, retried or not, by API, region, account and error code (Throttling, InternalFailure, timeout, network, ...)".into(),
            Kind::Counter,
            l(&[
                ("api", &api),
                ("region", &region),
                ("account_id", &account),
                ("outcome", &outcome),
            ]),
            n as f64,
            None,
        );
    }
    for ((api, region, account), secs) in acc.rate_limit_waits() {
        fs.add(
            "cw_exporter_rate_limit_wait_seconds_total",
            || "Seconds AWS calls waited for the client-side rate limiter (--aws.rate-limit), by API, region and account".into(),
            Kind::Counter,
            l(&[("api", &api), ("region", &region), ("account_id", &account)]),
            secs,
            None,
        );
    }
    for ((region, account), n) in acc.requested() {
        fs.add(
            "cw_exporter_metrics_requested_total",
            || "Metrics requested from GetMetricData: what AWS bills, at $0.01 per 1,000".into(),
            Kind::Counter,
            l(&[("region", &region), ("account_id", &account)]),
            n as f64,
            None,
        );
    }
    fs.add(
        "cw_exporter_collection_duration_seconds",
        || "How long the last collection cycle took".into(),
        Kind::Gauge,
        BTreeMap::new(),
        duration,
        None,
    );
    for j in jobs {
        let labels = l(&[("config_job", &j.label), ("namespace", &j.namespace)]);
        fs.add(
            "cw_exporter_collection_success",
            || "1 if the job's last collection succeeded in every region and role, else 0".into(),
            Kind::Gauge,
            labels.clone(),
            if j.success { 1.0 } else { 0.0 },
            None,
        );
        fs.add(
            "cw_exporter_series",
            || "Series the job exported in the last collection".into(),
            Kind::Gauge,
            labels.clone(),
            j.series as f64,
            None,
        );
        if let Some(ts) = j.last_success {
            fs.add(
                "cw_exporter_last_success_timestamp_seconds",
                || "When the job last collected successfully (seconds since the epoch)".into(),
                Kind::Gauge,
                labels,
                ts as f64,
                None,
            );
        }
    }
}
