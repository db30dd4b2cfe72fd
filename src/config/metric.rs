//! A job's metrics: what they inherit from the job, their statistics (the extended-statistic
//! grammar included), periods and windows.

use super::model::*;
use super::parse::Walker;
use super::walk::Obj;
use super::yaml::Node;
use regex::Regex;

/// The most seconds `length` and `delay` may be: CloudWatch keeps data 15 months (455 days).
const MAX_SECONDS: u32 = 455 * 86_400;
const DEFAULT_PERIOD: u32 = 300;
const DEFAULT_LENGTH: u32 = 300;

/// Job-level settings a metric inherits unless it sets its own.
#[derive(Clone, Default)]
pub(super) struct Inherited {
    statistics: Option<Vec<String>>,
    period: Option<u32>,
    length: Option<u32>,
    delay: Option<u32>,
    nil_to_zero: Option<bool>,
    add_cloudwatch_timestamp: Option<bool>,
    export_all_data_points: Option<bool>,
    window_mode: Option<bool>,
    collection_interval: Option<u32>,
}

impl Inherited {
    /// The job's `collectionInterval`, if it sets one.
    pub(super) fn collection_interval(&self) -> Option<u32> {
        self.collection_interval
    }
}

impl Walker {
    pub(super) fn inherited(&mut self, o: &mut Obj<'_>) -> Inherited {
        let mut inh = Inherited::default();
        if let Some(n) = o.get("statistics") {
            inh.statistics = self.statistics(n, &o.child("statistics"));
        }
        for (key, slot) in [
            ("period", &mut inh.period),
            ("length", &mut inh.length),
            ("delay", &mut inh.delay),
        ] {
            if let Some(n) = o.get(key) {
                *slot = self.seconds_up_to(n, &o.child(key), MAX_SECONDS);
            }
        }
        for (key, slot) in [
            ("nilToZero", &mut inh.nil_to_zero),
            ("addCloudwatchTimestamp", &mut inh.add_cloudwatch_timestamp),
            ("exportAllDataPoints", &mut inh.export_all_data_points),
            ("windowMode", &mut inh.window_mode),
        ] {
            if let Some(n) = o.get(key) {
                *slot = self.bool(n, &o.child(key));
            }
        }
        if let Some(n) = o.get("collectionInterval") {
            let path = o.child("collectionInterval");
            inh.collection_interval = self.seconds(n, &path);
            if inh.collection_interval == Some(0) {
                self.error(n.pos, &path, "collectionInterval must be at least 1 second");
                inh.collection_interval = None;
            }
        }
        inh
    }

    pub(super) fn statistics(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let list = self.string_list(node, path)?;
        let items = self.seq(node, path).unwrap_or(&[]);
        let mut ok = Vec::new();
        for (i, s) in list.into_iter().enumerate() {
            let pos = items.get(i).map(|n| n.pos).unwrap_or(node.pos);
            match canonical_statistic(&s) {
                Some(c) => ok.push(c),
                None => self.error(
                    pos,
                    &format!("{path}[{i}]"),
                    format!(
                        "`{s}` is not a CloudWatch statistic (Average, Sum, Minimum, Maximum, \
                         SampleCount, pNN, pNN.N, or an extended statistic such as tm99)"
                    ),
                ),
            }
        }
        ok.dedup();
        Some(ok)
    }

    pub(super) fn metric(&mut self, node: &Node, path: &str, job: &Inherited) -> Option<Metric> {
        let mut o = self.obj(node, path)?;
        let errors_before = self.error_count();
        self.deprecated_rounding_period(&mut o);
        let name = match o.get("name") {
            Some(n) => self.nonempty_string(n, &o.child("name")),
            None => {
                self.error(node.pos, path, "a metric needs `name`");
                None
            }
        };
        let own = self.inherited(&mut o);
        self.finish(o);
        let statistics = own.statistics.or_else(|| job.statistics.clone());
        let statistics = match statistics {
            Some(s) if !s.is_empty() => s,
            _ if self.error_count() > errors_before => vec![],
            _ => {
                self.error(
                    node.pos,
                    path,
                    "no `statistics` for this metric (set them on the metric or the job)",
                );
                vec![]
            }
        };
        let period = own.period.or(job.period).unwrap_or(DEFAULT_PERIOD);
        let length = own.length.or(job.length).unwrap_or(DEFAULT_LENGTH);
        let delay = own.delay.or(job.delay).unwrap_or(0);
        if !valid_period(period) {
            self.error(
                node.pos,
                path,
                format!(
                    "period {period} is not one CloudWatch accepts: 1, 5, 10, 20, 30 or a multiple of 60"
                ),
            );
        }
        if length < period {
            self.error(
                node.pos,
                path,
                format!("length {length} is shorter than period {period}: no datapoint would fit"),
            );
        }
        let window_mode = own.window_mode.or(job.window_mode).unwrap_or(false);
        let collection_interval = own.collection_interval.or(job.collection_interval);
        let add_ts = own
            .add_cloudwatch_timestamp
            .or(job.add_cloudwatch_timestamp);
        let export_all = own.export_all_data_points.or(job.export_all_data_points);
        if window_mode {
            // Every datapoint since the last poll, each at its CloudWatch time.
            for (key, set) in [
                ("addCloudwatchTimestamp", add_ts),
                ("exportAllDataPoints", export_all),
            ] {
                if set == Some(false) {
                    self.error(
                        node.pos,
                        path,
                        format!("windowMode exports every datapoint with its CloudWatch timestamp; {key}: false contradicts it"),
                    );
                }
            }
            match collection_interval {
                None => self.error(
                    node.pos,
                    path,
                    "windowMode needs a collectionInterval (on the metric or its job): the window is the time since the last poll",
                ),
                Some(i) if !i.is_multiple_of(period.max(1)) => self.error(
                    node.pos,
                    path,
                    format!(
                        "windowMode needs a collectionInterval that is a multiple of the period: {i} is not a multiple of {period}"
                    ),
                ),
                Some(_) => {}
            }
        }
        let add_ts = add_ts.unwrap_or(window_mode);
        let export_all = export_all.unwrap_or(window_mode);
        // (In window mode a contradiction was reported above.)
        if export_all && !add_ts && !window_mode {
            // Without timestamps every datapoint would be the same series: Prometheus rejects it.
            self.error(
                node.pos,
                path,
                "exportAllDataPoints needs addCloudwatchTimestamp: true",
            );
        }
        if self.error_count() > errors_before {
            return None;
        }
        Some(Metric {
            name: name?,
            statistics,
            period,
            length,
            delay,
            nil_to_zero: own.nil_to_zero.or(job.nil_to_zero).unwrap_or(false),
            add_cloudwatch_timestamp: add_ts,
            export_all_data_points: export_all,
            collection_interval,
            window_mode,
        })
    }
}

fn valid_period(p: u32) -> bool {
    matches!(p, 1 | 5 | 10 | 20 | 30) || (p > 0 && p.is_multiple_of(60))
}

/// The statistic as CloudWatch spells it, or None when it is not one.
pub fn canonical_statistic(s: &str) -> Option<String> {
    for std in ["Average", "Sum", "Minimum", "Maximum", "SampleCount"] {
        if s == std {
            return Some(s.to_string());
        }
    }
    // Percentiles and the short extended forms: p99, p99.9, tm90, wm99, tc90, ts99; IQM.
    static SHORT: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let short = SHORT.get_or_init(|| {
        Regex::new(r"^(p|tm|wm|tc|ts)(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$|^IQM$").expect("valid")
    });
    if short.is_match(s) || range_statistic(s) {
        return Some(s.to_string());
    }
    None
}

/// `TM(10%:90%)`, `TC(0.005:0.030)`, `TS(80%:)`, `WM(:95%)`, `PR(100:2000)`: two bounds, one
/// of them may be empty, both percentages (0–100, not for PR) or both values, the lower first.
fn range_statistic(s: &str) -> bool {
    let Some((kind, rest)) = s.split_once('(') else {
        return false;
    };
    if !matches!(kind, "TM" | "WM" | "TC" | "TS" | "PR") {
        return false;
    }
    let Some((lo, hi)) = rest.strip_suffix(')').and_then(|r| r.split_once(':')) else {
        return false;
    };
    if lo.is_empty() && hi.is_empty() {
        return false;
    }
    let bound = |b: &str| -> Option<Option<(f64, bool)>> {
        if b.is_empty() {
            return Some(None);
        }
        let (num, pct) = match b.strip_suffix('%') {
            Some(n) => (n, true),
            None => (b, false),
        };
        if num.is_empty()
            || !num
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return None;
        }
        let v: f64 = num.parse().ok()?;
        if pct && !(0.0..=100.0).contains(&v) {
            return None;
        }
        Some(Some((v, pct)))
    };
    let (Some(lo), Some(hi)) = (bound(lo), bound(hi)) else {
        return false;
    };
    let pcts = [lo, hi].iter().flatten().map(|b| b.1).collect::<Vec<_>>();
    if kind == "PR" && pcts.contains(&true) {
        return false;
    }
    if pcts.len() == 2 && pcts[0] != pcts[1] {
        return false;
    }
    match (lo, hi) {
        (Some(a), Some(b)) => a.0 < b.0,
        _ => true,
    }
}
