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
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
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
    /// Read by `/metrics` without the store's lock: series held, the ceiling, and the newest
    /// CloudWatch timestamp of any point received (kept or not: a stream that delivers only
    /// filtered metrics is still delivering), 0 before the first.
    series: AtomicUsize,
    limit: AtomicUsize,
    newest_ms: AtomicI64,
}

impl Push {
    /// Push mode under `rules`, with nothing received yet.
    pub fn new(rules: Rules) -> Arc<Push> {
        let limit = rules.streams.series_limit;
        Arc::new(Push {
            series: AtomicUsize::new(0),
            limit: AtomicUsize::new(limit),
            newest_ms: AtomicI64::new(0),
            store: Mutex::new(Store::new(rules)),
            counters: Mutex::new(Counters::default()),
            exposition: ArcSwap::from_pointee(Exposition::default()),
            dirty: AtomicBool::new(false),
        })
    }

    /// A reloaded config's rules.
    pub fn set_rules(&self, rules: Rules) {
        self.limit
            .store(rules.streams.series_limit, Ordering::Relaxed);
        let mut store = self.store.lock().expect("not poisoned");
        store.set_rules(rules);
        self.series.store(store.len(), Ordering::Relaxed);
        self.dirty.store(true, Ordering::Release);
    }

    /// What the pushed series want read, per region: namespaces' tags and listings.
    pub fn tag_wants(&self) -> std::collections::BTreeSet<(String, store::Want)> {
        self.store.lock().expect("not poisoned").tag_wants()
    }

    /// Reads the tags and listings `tag_wants` asks for through `sessions` and relabels the
    /// series: run every discovery interval, and when new wants arrive.
    pub async fn refresh_tags<S: crate::aws::Sessions>(
        self: Arc<Self>,
        sessions: &S,
        wants: &std::collections::BTreeSet<(String, store::Want)>,
    ) {
        let (names, errors) = tags::read(sessions, wants).await;
        for e in &errors {
            tracing::warn!(error = %e, "tags or a listing for pushed series could not be read; the region keeps what it had until the next try");
        }
        // Relabelling every tagged series is CPU work under the store's lock: off the async
        // workers that answer scrapes and deliveries.
        let push = self.clone();
        let _ = tokio::task::spawn_blocking(move || {
            push.store.lock().expect("not poisoned").set_names(names);
            push.dirty.store(true, Ordering::Release);
        })
        .await;
    }

    /// Keeps a record's points.
    pub fn apply(&self, points: Vec<Point>) -> Tally {
        let now_ms = crate::aws::now_secs() * 1000;
        let newest = points
            .iter()
            .map(|p| p.timestamp_ms)
            .filter(|t| *t <= now_ms + store::MAX_FUTURE_MS)
            .max();
        if let Some(n) = newest {
            self.newest_ms.fetch_max(n, Ordering::Relaxed);
        }
        let t = {
            let mut store = self.store.lock().expect("not poisoned");
            let t = store.apply(points, Instant::now(), now_ms);
            self.series.store(store.len(), Ordering::Relaxed);
            t
        };
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
        p.future += t.future;
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
                self.series.store(store.len(), Ordering::Relaxed);
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
        let series = self.series.load(Ordering::Relaxed);
        let limit = self.limit.load(Ordering::Relaxed);
        let newest_ms = self.newest_ms.load(Ordering::Relaxed);
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
            ("future", p.future),
        ] {
            fs.add(
                "cw_exporter_firehose_points_total",
                || "Pushed metric points by outcome: applied; older (a retried or late batch); filtered (not in streams.namespaces); polled (polling serves the metric); refused (a new series past streams.seriesLimit); oversized (identity too long); future (a timestamp over 5 minutes ahead of the clock)".into(),
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
                "CloudWatch timestamp of the newest point received, kept or not (0 before the first)",
                newest_ms as f64 / 1000.0,
            ),
            (
                "cw_exporter_firehose_newest_point_age_seconds",
                "Seconds since the newest received point's CloudWatch timestamp (streams run 2-3 minutes behind; -1 before the first)",
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
