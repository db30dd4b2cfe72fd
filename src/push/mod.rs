//! Push mode: CloudWatch Metric Streams delivered by Firehose to `POST /firehose` on a listener
//! of its own ([`firehose`]), decoded ([`records`]: JSON or OpenTelemetry 1.0) into [`Point`]s,
//! kept in a bounded [`store::Store`] under the config's [`Rules`], and published every
//! [`PUBLISH_EVERY`] as an exposition that `/metrics` serves after the polled series. Names
//! and labels are polling's: the same catalog, the same name rules.

pub mod firehose;
pub mod json;
pub mod otel;
pub mod point;
pub mod records;
pub mod rules;
pub mod store;
pub mod tags;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use bytes::Bytes;

use crate::exposition::layout::{Exposition, Renderer};
use crate::exposition::text::{Families, Kind};
pub use point::Point;
use records::Reason;
pub use rules::Rules;
use store::{Store, Tally};

/// How often the pushed series are published (when something changed) and stale ones
/// dropped. Streams deliver a minute's statistics two to three minutes late, so a few seconds
/// more cost nothing; publishing per request would re-lay out 100k series per request.
pub const PUBLISH_EVERY: Duration = Duration::from_secs(2);

/// Counters of what the endpoint received (the `cw_exporter_firehose_*` series).
#[derive(Default)]
struct Counters {
    requests: BTreeMap<u16, u64>,
    records: BTreeMap<&'static str, u64>,
    rejected: BTreeMap<Reason, u64>,
    points: Tally,
    last_request_ms: i64,
}

/// Push mode's state, shared by the endpoint, the publisher and `/metrics`.
pub struct Push {
    store: Mutex<Store>,
    counters: Mutex<Counters>,
    /// What `/metrics` serves of the pushed series.
    pub exposition: ArcSwap<Exposition>,
    dirty: AtomicBool,
}

impl Push {
    /// Push mode under `rules`, with nothing received yet.
    pub fn new(rules: Rules) -> Arc<Push> {
        Arc::new(Push {
            store: Mutex::new(Store::new(rules)),
            counters: Mutex::new(Counters::default()),
            exposition: ArcSwap::from_pointee(Exposition::default()),
            dirty: AtomicBool::new(false),
        })
    }

    /// A reloaded config's rules.
    pub fn set_rules(&self, rules: Rules) {
        self.store.lock().expect("not poisoned").set_rules(rules);
        self.dirty.store(true, Ordering::Release);
    }

    /// The (region, namespace) pairs whose pushed series want tags.
    pub fn tag_wants(&self) -> std::collections::BTreeSet<(String, String)> {
        self.store.lock().expect("not poisoned").tag_wants()
    }

    /// Reads the tags `tag_wants` asks for through `sessions` and relabels the series: run
    /// every discovery interval, and when new (region, namespace) pairs arrive.
    pub async fn refresh_tags<S: crate::aws::Sessions>(
        &self,
        sessions: &S,
        wants: &std::collections::BTreeSet<(String, String)>,
    ) {
        let (table, errors) = tags::read(sessions, wants).await;
        for e in errors {
            tracing::warn!(error = %e, "tags for pushed series could not be read; their tag labels stay empty until the next try");
        }
        self.store.lock().expect("not poisoned").set_tags(table);
        self.dirty.store(true, Ordering::Release);
    }

    /// Keeps a request's points.
    pub fn apply(&self, points: Vec<Point>) -> Tally {
        let t = self
            .store
            .lock()
            .expect("not poisoned")
            .apply(points, Instant::now());
        if t.applied > 0 {
            self.dirty.store(true, Ordering::Release);
        }
        let mut c = self.counters.lock().expect("not poisoned");
        let p = &mut c.points;
        p.applied += t.applied;
        p.older += t.older;
        p.filtered += t.filtered;
        p.polled += t.polled;
        p.refused += t.refused;
        p.oversized += t.oversized;
        t
    }

    /// Counts one answered request.
    fn answered(&self, code: u16) {
        let mut c = self.counters.lock().expect("not poisoned");
        *c.requests.entry(code).or_default() += 1;
        c.last_request_ms = crate::aws::now_secs() * 1000;
    }

    /// Counts a request's records and what was skipped, logging each reason once.
    fn received(&self, records: &[(&'static str, u64)], skipped: &BTreeMap<Reason, u64>) {
        let mut c = self.counters.lock().expect("not poisoned");
        for (format, n) in records {
            *c.records.entry(format).or_default() += n;
        }
        for (reason, n) in skipped {
            *c.rejected.entry(*reason).or_default() += n;
            if crate::model::first_time(&format!("firehose {}", reason.label())) {
                tracing::warn!(reason = reason.label(), "{}", reason.explain());
            }
        }
    }

    /// Publishes the pushed series every [`PUBLISH_EVERY`] when they changed, and drops the
    /// stale ones. Runs for the life of the process.
    pub async fn publish_loop(self: Arc<Self>) {
        let mut renderer = Renderer::default();
        let mut tick = tokio::time::interval(PUBLISH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.publish(&mut renderer);
        }
    }

    /// One publication (the loop's step; tests call it directly).
    pub fn publish(&self, renderer: &mut Renderer) {
        let list = {
            let mut store = self.store.lock().expect("not poisoned");
            if store.expire(Instant::now()) > 0 {
                self.dirty.store(true, Ordering::Release);
            }
            if !self.dirty.swap(false, Ordering::AcqRel) {
                return;
            }
            store.list()
        };
        // Laid out outside the lock: requests keep being applied meanwhile.
        self.exposition.store(Arc::new(renderer.prepare(&[&list])));
    }

    /// The `cw_exporter_firehose_*` series, rendered per scrape (a few lines).
    pub fn own_metrics(&self, openmetrics: bool) -> Bytes {
        let (series, limit, newest_ms) = {
            let s = self.store.lock().expect("not poisoned");
            (s.len(), s.rules().streams.series_limit, s.newest_ms)
        };
        let c = self.counters.lock().expect("not poisoned");
        let mut fs = Families::default();
        let label = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        for (code, n) in &c.requests {
            fs.add(
                "cw_exporter_firehose_requests_total",
                || "Firehose requests answered, by HTTP status (only 200 is delivered)".into(),
                Kind::Counter,
                label("code", &code.to_string()),
                *n as f64,
                None,
            );
        }
        for (format, n) in &c.records {
            fs.add(
                "cw_exporter_firehose_records_total",
                || "Firehose records decoded, by metric-stream format".into(),
                Kind::Counter,
                label("format", format),
                *n as f64,
                None,
            );
        }
        for (reason, n) in &c.rejected {
            fs.add(
                "cw_exporter_firehose_records_rejected_total",
                || "Firehose records, or metrics inside one, that could not be read, by reason (the rest of the request is kept)".into(),
                Kind::Counter,
                label("reason", reason.label()),
                *n as f64,
                None,
            );
        }
        let p = &c.points;
        for (outcome, n) in [
            ("applied", p.applied),
            ("older", p.older),
            ("filtered", p.filtered),
            ("polled", p.polled),
            ("refused", p.refused),
            ("oversized", p.oversized),
        ] {
            fs.add(
                "cw_exporter_firehose_points_total",
                || "Pushed metric points by outcome: applied; older (a retried or late batch); filtered (not in streams.namespaces); polled (a polling job collects the metric); refused (a new series past streams.seriesLimit); oversized (identity too long)".into(),
                Kind::Counter,
                label("outcome", outcome),
                n as f64,
                None,
            );
        }
        fs.add(
            "cw_exporter_firehose_series_refused_total",
            || "New pushed series refused because streams.seriesLimit was reached".into(),
            Kind::Counter,
            BTreeMap::new(),
            p.refused as f64,
            None,
        );
        let gauges = [
            (
                "cw_exporter_firehose_series",
                "Pushed series held (each exported with its statistics)",
                series as f64,
            ),
            (
                "cw_exporter_firehose_series_limit",
                "streams.seriesLimit: the most pushed series held",
                limit as f64,
            ),
            (
                "cw_exporter_firehose_newest_point_timestamp_seconds",
                "CloudWatch timestamp of the newest pushed point (0 before the first)",
                newest_ms as f64 / 1000.0,
            ),
            (
                "cw_exporter_firehose_newest_point_age_seconds",
                "Seconds since the newest pushed point's CloudWatch timestamp (streams run 2-3 minutes behind; -1 before the first)",
                if newest_ms == 0 {
                    -1.0
                } else {
                    (crate::aws::now_secs() * 1000 - newest_ms) as f64 / 1000.0
                },
            ),
            (
                "cw_exporter_firehose_last_request_timestamp_seconds",
                "When the last Firehose request was answered (0 before the first)",
                c.last_request_ms as f64 / 1000.0,
            ),
        ];
        for (name, help, v) in gauges {
            fs.add(name, || help.into(), Kind::Gauge, BTreeMap::new(), v, None);
        }
        Bytes::from(Exposition::of(fs).to_vec(openmetrics))
    }
}
