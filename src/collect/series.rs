//! Turning datapoints into Prometheus samples, YACE's way, and the exporter's own series.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::aws::{Accounting, AwsError, CallPoints};
use crate::collect::JobStatus;
use crate::config::{Job, JobKind};
use crate::discovery::Found;
use crate::exposition::layout::{Labels, List, Meta, Pair, Row, Rows};
use crate::exposition::names::{label_suffix, metric_name, valid_metric_name};
use crate::exposition::text::{Families, Kind};
use crate::model::first_time;
use crate::plan::Plan;
use crate::schedule::cadence::{Cadence, Due};

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
            if first_time(&format!("label {key}")) {
                tracing::warn!(key, "not a valid Prometheus label name; label skipped");
            }
        }
    }
}

/// Where a series was collected: its `region`, `account_id` and `account_alias` labels.
struct Context<'a> {
    region: &'a str,
    account: &'a str,
    alias: Option<&'a str>,
}

/// The labels of a CloudWatch or enhanced series: `name` (its resource), its dimensions, the
/// job's exported and custom tags, and where it was collected.
fn series_labels(
    job: &Job,
    resource: &str,
    dimensions: &[crate::model::Dim],
    tags: &[String],
    context: &Context<'_>,
    snake: bool,
) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    labels.insert("name".to_string(), resource.to_string());
    for d in dimensions {
        label_or_warn(&mut labels, "dimension_", &d.name, &d.value, snake);
    }
    for (k, v) in job.exported_tags.iter().zip(tags) {
        label_or_warn(&mut labels, "tag_", k, v, snake);
    }
    for (k, v) in &job.custom_tags {
        label_or_warn(&mut labels, "custom_tag_", k, v, snake);
    }
    labels.insert("region".into(), context.region.to_string());
    labels.insert("account_id".into(), context.account.to_string());
    if let Some(a) = context.alias {
        labels.insert("account_alias".into(), a.to_string());
    }
    labels
}

/// The exposition side of one (role, region)'s discovery: per (job, cadence group) the rows
/// whose number and order are fixed until the next discovery (one per target and statistic,
/// then the `aws_<ns>_info` series), built once, so that a cycle only adds values and hands the
/// renderer the same rows, and it can reuse its layout. Metrics with CloudWatch timestamps have
/// as many rows as datapoints arrive: they keep their labels here and get rows per cycle.
pub struct Shape {
    found: Arc<Found>,
    account: String,
    /// Per (job, group): the fixed rows, and the values of those at the end whose values are
    /// known at discovery (info series, 0; enhanced metrics).
    fixed: HashMap<(usize, u64), (Rows, Vec<f64>)>,
    /// Per (job, metric): its family per statistic.
    families: HashMap<(usize, usize), StatFamilies>,
    /// The labels of targets whose rows are made per cycle, by target: those whose metric
    /// exports timestamps, and those of transient resources (exported only with a datapoint;
    /// see [`crate::catalog::ResourceType::transient`]).
    timestamped: HashMap<usize, Labels>,
}

/// A job metric's family per statistic.
type StatFamilies = Arc<[Option<Arc<Meta>>]>;

/// Shares equal strings and label sets within a shape.
#[derive(Default)]
struct Interner {
    strings: HashSet<Arc<str>>,
    sets: HashMap<Vec<Pair>, Labels>,
}

impl Interner {
    fn str(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(a.clone());
        a
    }

    fn labels(&mut self, map: BTreeMap<String, String>) -> Labels {
        let v: Vec<Pair> = map
            .iter()
            .map(|(k, v)| (self.str(k), self.str(v)))
            .collect();
        if let Some(l) = self.sets.get(&v) {
            return l.clone();
        }
        let l: Labels = v.clone().into();
        self.sets.insert(v, l.clone());
        l
    }
}

impl Shape {
    /// The rows of one (role, region)'s discovery: built when the discovery changes, reused
    /// by every cycle until then.
    pub fn new(
        jobs: &[Job],
        cadence: &Cadence,
        found: Arc<Found>,
        region: &str,
        account: &str,
        snake: bool,
    ) -> Shape {
        let mut strings = Interner::default();
        let context = Context {
            region,
            account,
            alias: found.account_alias.as_deref(),
        };
        let mut families: HashMap<(usize, usize), StatFamilies> = HashMap::new();
        let mut fixed: HashMap<(usize, u64), Vec<Row>> = HashMap::new();
        let mut timestamped = HashMap::new();
        for (ti, t) in found.targets.iter().enumerate() {
            let job = &jobs[t.job];
            let m = &job.metrics[t.metric];
            // A linked account's series (OAM) is labelled with its owner, and without the
            // monitoring account's alias.
            let owned = t.account.as_deref().map(|account| Context {
                region,
                account,
                alias: None,
            });
            let context = owned.as_ref().unwrap_or(&context);
            let labels = series_labels(job, &t.resource, &t.dimensions, &t.tags, context, snake);
            let stats = families
                .entry((t.job, t.metric))
                .or_insert_with(|| {
                    (0..m.statistics.len())
                        .map(|si| family(job, t.metric, si))
                        .collect()
                })
                .clone();
            let labels = strings.labels(labels);
            if m.add_cloudwatch_timestamp || transient(job, &t.dimensions) {
                timestamped.insert(ti, labels);
                continue;
            }
            let rows = fixed
                .entry((t.job, cadence.of(t.job, t.metric)))
                .or_default();
            for meta in stats.iter().flatten() {
                rows.push((meta.clone(), labels.clone()));
            }
        }
        // Rows whose values are known now: info series (0), then enhanced metrics.
        let mut info_rows: HashMap<(usize, u64), Vec<(Row, f64)>> = HashMap::new();
        for r in &found.resources {
            let job = &jobs[r.job];
            if job.kind != JobKind::Discovery {
                continue;
            }
            let name = metric_name(&job.namespace, "info", "");
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
                let owner = r.account.as_deref();
                labels.insert("account_id".into(), owner.unwrap_or(account).to_string());
                if let (None, Some(a)) = (owner, &found.account_alias) {
                    labels.insert("account_alias".into(), a.to_string());
                }
                for (k, v) in &job.custom_tags {
                    label_or_warn(&mut labels, "custom_tag_", k, v, snake);
                }
            }
            let meta = Arc::new(Meta::gauge(
                name,
                format!(
                    "A {} resource the exporter discovered (value is always 0)",
                    job.namespace
                ),
            ));
            info_rows
                .entry((r.job, cadence.info(r.job)))
                .or_default()
                .push(((meta, strings.labels(labels)), 0.0));
        }
        let mut enhanced_families: HashMap<(usize, usize), Option<Arc<Meta>>> = HashMap::new();
        for e in &found.enhanced {
            let job = &jobs[e.job];
            let meta = enhanced_families
                .entry((e.job, e.metric))
                .or_insert_with(|| enhanced_family(job, e.metric));
            let Some(meta) = meta.clone() else { continue };
            let labels = series_labels(job, &e.resource, &e.dimensions, &e.tags, &context, snake);
            info_rows
                .entry((e.job, cadence.info(e.job)))
                .or_default()
                .push(((meta, strings.labels(labels)), e.value));
        }
        for key in info_rows.keys() {
            fixed.entry(*key).or_default();
        }
        let fixed = fixed
            .into_iter()
            .map(|(key, mut rows)| {
                let known = info_rows.remove(&key).unwrap_or_default();
                let values = known.iter().map(|(_, v)| *v).collect();
                rows.extend(known.into_iter().map(|(row, _)| row));
                (key, (Rows::from(rows), values))
            })
            .collect();
        Shape {
            found,
            account: account.to_string(),
            fixed,
            families,
            timestamped,
        }
    }

    /// Whether this shape was built from `found` in `account` (and can be reused).
    pub fn is_for(&self, found: &Arc<Found>, account: &str) -> bool {
        Arc::ptr_eq(&self.found, found) && self.account == account
    }
}

/// Whether a series of `job` with `dimensions` belongs to a transient resource (an ECS task).
fn transient(job: &Job, dimensions: &[crate::model::Dim]) -> bool {
    job.kind == JobKind::Discovery
        && crate::catalog::lookup(&job.namespace)
            .and_then(|ns| {
                ns.resource_for(|d| {
                    dimensions
                        .iter()
                        .find(|x| x.name == d)
                        .map(|x| x.value.as_str())
                })
            })
            .is_some_and(|r| r.transient)
}

/// The family of a job's metric and statistic, or None if its name cannot be exported.
fn family(job: &Job, metric: usize, stat: usize) -> Option<Arc<Meta>> {
    let m = &job.metrics[metric];
    let stat = &m.statistics[stat];
    let name = metric_name(&job.namespace, &m.name, stat);
    if !valid_metric_name(&name) {
        warn_once(&name);
        return None;
    }
    let help = format!(
        "CloudWatch {} {} {}, period {}s, {}{}",
        job.namespace,
        m.name,
        stat,
        m.period,
        if m.window_mode {
            "every datapoint since the previous collection".to_string()
        } else {
            format!("over the last {}s", m.length)
        },
        if m.delay > 0 {
            format!(" delayed {}s", m.delay)
        } else {
            String::new()
        }
    );
    Some(Arc::new(Meta::gauge(name, help)))
}

/// The family of a job's enhanced metric: YACE's name without a statistic
/// (`aws_rds_allocated_storage`), or None if it cannot be exported.
fn enhanced_family(job: &Job, metric: usize) -> Option<Arc<Meta>> {
    let m = job.enhanced[metric];
    let name = metric_name(&job.namespace, m.name, "");
    if !valid_metric_name(&name) {
        warn_once(&name);
        return None;
    }
    Some(Arc::new(Meta::gauge(name, m.help.to_string())))
}

/// The series of one (role, region) for the cadence groups `due`, per (job, group): the fixed
/// rows with this cycle's values, then the timestamped ones, if any.
pub fn build(
    jobs: &[Job],
    cadence: &Cadence,
    due: &Due,
    shape: &Shape,
    plan: &Plan,
    calls: &[Result<CallPoints, Arc<AwsError>>],
) -> HashMap<(usize, u64), Vec<List>> {
    let mut fixed: HashMap<(usize, u64), List> = shape
        .fixed
        .iter()
        .filter(|((_, group), _)| due.contains(*group))
        .map(|(key, (rows, _))| {
            let list = List {
                rows: rows.clone(),
                values: Vec::with_capacity(rows.len()),
                timestamps: Vec::new(),
            };
            (*key, list)
        })
        .collect();
    // Built straight into rows, values and timestamps: no sample list in between.
    type Stamped = (Vec<Row>, Vec<f64>, Vec<Option<i64>>);
    let mut stamped: HashMap<(usize, u64), Stamped> = HashMap::new();

    for (ti, t) in shape.found.targets.iter().enumerate() {
        let group = cadence.of(t.job, t.metric);
        if !due.contains(group) {
            continue;
        }
        let m = &jobs[t.job].metrics[t.metric];
        let metas = &shape.families[&(t.job, t.metric)];
        let slots = plan.slots(ti);
        // Once per target, and not at all in the usual config where no row is made per cycle:
        // this loop runs over every target every cycle.
        let per_cycle = if shape.timestamped.is_empty() {
            None
        } else {
            shape.timestamped.get(&ti)
        };
        for (si, meta) in metas.iter().enumerate() {
            let Some(meta) = meta else { continue };
            // Datapoints, newest first, of this requester's own window only; none when the
            // call failed (the job is marked failed: no made-up value) or was not made.
            let points = slots
                .get(si)
                .and_then(|slot| {
                    let results = calls[slot.call as usize].as_ref().ok()?;
                    Some((slot, results.of(slot.query as usize)))
                })
                .into_iter()
                .flat_map(|(slot, p)| {
                    p.iter()
                        .filter(move |(ts, _)| *ts >= slot.start && *ts < slot.end)
                });
            if per_cycle.is_none() {
                // Exactly one value per row. No datapoint: NaN, or 0 with nilToZero.
                let v = points.map(|(_, v)| *v).next();
                let list = fixed
                    .get_mut(&(t.job, group))
                    .expect("a fixed list for every due group with rows");
                list.values
                    .push(v.unwrap_or(if m.nil_to_zero { 0.0 } else { f64::NAN }));
                continue;
            }
            // With CloudWatch timestamps, no datapoint means no sample: there is no honest
            // timestamp to give (as YACE does). A transient resource's series without one is
            // a task that is gone: no sample either.
            let labels = per_cycle.expect("made per cycle");
            let (rows, values, stamps) = stamped.entry((t.job, group)).or_default();
            for (ts, v) in points {
                rows.push((meta.clone(), labels.clone()));
                values.push(*v);
                stamps.push(m.add_cloudwatch_timestamp.then_some(ts * 1000));
                if !(m.add_cloudwatch_timestamp && m.export_all_data_points) {
                    break;
                }
            }
        }
    }
    let mut out: HashMap<(usize, u64), Vec<List>> = HashMap::new();
    for (key, mut list) in fixed {
        list.values.extend_from_slice(&shape.fixed[&key].1);
        debug_assert_eq!(list.values.len(), list.rows.len());
        out.entry(key).or_default().push(list);
    }
    for (key, (rows, values, timestamps)) in stamped {
        out.entry(key).or_default().push(List {
            rows: rows.into(),
            values,
            timestamps,
        });
    }
    out
}

/// Says once per process that a name cannot be exported, rather than once per cycle.
fn warn_once(name: &str) {
    if first_time(&format!("metric {name}")) {
        tracing::warn!(
            metric = name,
            "not a valid Prometheus metric name (namespace or metric name has characters YACE's naming keeps); series skipped"
        );
    }
}

/// Adds `cw_exporter_build_info`.
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

/// kube-state-metrics' shard series: which shard this process is, of how many.
pub fn add_shard(fs: &mut Families, shard: crate::discovery::shard::Shard) {
    fs.add(
        "cw_exporter_shard_ordinal",
        || "This process's shard (--shard, or its pod's ordinal), zero-based".into(),
        Kind::Gauge,
        BTreeMap::new(),
        f64::from(shard.index),
        None,
    );
    fs.add(
        "cw_exporter_total_shards",
        || "How many shards split the resources (--total-shards)".into(),
        Kind::Gauge,
        BTreeMap::new(),
        f64::from(shard.total),
        None,
    );
}

/// Each (role, region)'s state: one failing scope shows here, named, while the others
/// collect (the job-level `cw_exporter_collection_success` is 0 if any scope of the job fails).
pub fn add_scopes(fs: &mut Families, scopes: &[super::snapshot::ScopeStatus]) {
    for s in scopes {
        let labels = l(&[
            ("account_id", &s.account),
            ("region", &s.region),
            ("role", &s.role),
        ]);
        fs.add(
            "cw_exporter_scope_up",
            || "1 if the last collection of this (role, region) succeeded for every job, else 0; role is empty for the default credentials".into(),
            Kind::Gauge,
            labels.clone(),
            if s.success { 1.0 } else { 0.0 },
            None,
        );
        if let Some(t) = s.last_success {
            fs.add(
                "cw_exporter_scope_last_success_timestamp_seconds",
                || "When this (role, region) last collected successfully".into(),
                Kind::Gauge,
                labels.clone(),
                t as f64,
                None,
            );
        }
        fs.add(
            "cw_exporter_scope_collection_duration_seconds",
            || "How long this (role, region)'s last collection took".into(),
            Kind::Gauge,
            labels,
            s.duration_seconds,
            None,
        );
    }
}

fn l(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// YACE's own counters under YACE's names and labels, counted from the same accounting as
/// ours, so dashboards and alerts built on them keep working. APIs YACE calls and we do not
/// (EC2, Storage Gateway, target groups) stay at 0, as they do in YACE for a config that needs
/// none.
/// Two of YACE's counters lack `_total`; they are gauges here, so the OpenMetrics output stays
/// valid (PromQL reads them the same).
pub fn add_yace_metrics(fs: &mut Families, acc: &Accounting, duplicates_total: u64) {
    let calls = acc.calls();
    let count = |api: &str, errors_only: bool| -> u64 {
        calls
            .iter()
            .filter(|(k, _)| k.api == api && (!errors_only || k.outcome != "success"))
            .map(|(_, n)| n)
            .sum()
    };
    for api in ["GetMetricData", "ListMetrics"] {
        // As YACE's labelled counters: a series appears once its API was called.
        let (all, errors) = (count(api, false), count(api, true));
        if all > 0 {
            fs.add(
                "yace_cloudwatch_requests_total",
                || "CloudWatch API calls (pages), by API: YACE's name, counted as cw_exporter_api_calls_total".into(),
                Kind::Counter,
                l(&[("api_name", api)]),
                all as f64,
                None,
            );
        }
        if errors > 0 {
            fs.add(
                "yace_cloudwatch_request_errors",
                || "Failed CloudWatch API calls, by API: YACE's name".into(),
                Kind::Gauge,
                l(&[("api_name", api)]),
                errors as f64,
                None,
            );
        }
    }
    let billed: u64 = acc.requested().values().map(|r| r.queries).sum();
    let plain: [(&str, &str, f64); 10] = [
        (
            "yace_cloudwatch_getmetricdata_requests_total",
            "GetMetricData calls (pages): YACE's name",
            count("GetMetricData", false) as f64,
        ),
        (
            "yace_cloudwatch_getmetricdata_metrics_requested_total",
            "Metrics requested from GetMetricData, as AWS bills them: YACE's name for cw_exporter_metrics_requested_total",
            billed as f64,
        ),
        (
            "yace_cloudwatch_getmetricstatistics_requests_total",
            "GetMetricStatistics calls: always 0, cw-exporter uses GetMetricData for every job",
            0.0,
        ),
        (
            "yace_cloudwatch_resourcegrouptaggingapi_requests_total",
            "Resource Groups Tagging API calls (pages): YACE's name",
            count("GetResources", false) as f64,
        ),
        (
            "yace_cloudwatch_autoscalingapi_requests_total",
            "Auto Scaling API calls (DescribeAutoScalingGroups pages): YACE's name",
            count("DescribeAutoScalingGroups", false) as f64,
        ),
        (
            "yace_cloudwatch_targetgroupapi_requests_total",
            "Target group API calls: not made by cw-exporter (0)",
            0.0,
        ),
        (
            "yace_cloudwatch_apigatewayapi_requests_total",
            "API Gateway API calls (GetRestApis pages): YACE's name",
            count("GetRestApis", false) as f64,
        ),
        (
            "yace_cloudwatch_ec2api_requests_total",
            "EC2 API calls: not made by cw-exporter (0)",
            0.0,
        ),
        (
            "yace_cloudwatch_dmsapi_requests_total",
            "DMS API calls (DescribeReplicationInstances and DescribeReplicationTasks pages): YACE's name",
            (count("DescribeReplicationInstances", false)
                + count("DescribeReplicationTasks", false)) as f64,
        ),
        (
            "yace_cloudwatch_storagegatewayapi_requests_total",
            "Storage Gateway API calls: not made by cw-exporter (0)",
            0.0,
        ),
    ];
    for (name, help, value) in plain {
        fs.add(
            name,
            || help.into(),
            Kind::Counter,
            BTreeMap::new(),
            value,
            None,
        );
    }
    fs.add(
        "yace_cloudwatch_duplicate_metrics_filtered",
        || {
            "Identical series dropped (only the first is kept), summed over cycles: YACE's name"
                .into()
        },
        Kind::Gauge,
        BTreeMap::new(),
        duplicates_total as f64,
        None,
    );
}

/// The exporter's own series (YACE's among them). Label `config_job`, not `job`, so as not to
/// clash with the target label Prometheus adds.
pub fn add_self_metrics(
    fs: &mut Families,
    acc: &Accounting,
    jobs: &[JobStatus],
    duration: f64,
    duplicates_total: u64,
) {
    add_build_info(fs);
    add_yace_metrics(fs, acc, duplicates_total);
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
            "cw_exporter_metrics_requested_by_metric_total",
            || "Metrics requested from GetMetricData if up to five statistics of one metric in one call bill as one (the other reading of the pricing page; compare both with your bill)".into(),
            Kind::Counter,
            l(&[("region", &region), ("account_id", &account)]),
            n.by_metric as f64,
            None,
        );
        let n = n.queries;
        fs.add(
            "cw_exporter_metrics_requested_total",
            || "Metrics requested from GetMetricData, every statistic counted (pages included): what AWS bills, at $0.01 per 1,000".into(),
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
        fs.add(
            "cw_exporter_collection_interval_seconds",
            || "How often the job's most frequent metrics are collected (collectionInterval, else --scraping-interval)".into(),
            Kind::Gauge,
            labels.clone(),
            j.interval_seconds as f64,
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
