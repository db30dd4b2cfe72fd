//! The pushed series: each (account, region, namespace, metric, dimensions) with its latest
//! minute. Bounded: at most `seriesLimit` series, each at most [`MAX_KEY_BYTES`] of identity; a
//! series not updated for `staleAfter` leaves.
//!
//! A point replaces a series' values only if it is newer (or the same minute with more
//! samples: a late update of that minute), so applying a batch twice, or an old batch after a
//! new one, changes nothing: Firehose's retries are harmless.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::point::Point;
use super::rules::{Rules, Skip};
use crate::catalog::{self, Source};
use crate::discovery::Listings;
use crate::exposition::layout::{Labels, List, Meta, Pair, Rows};
use crate::exposition::names::{label_suffix, metric_name, valid_metric_name};
use crate::model::first_time;

/// The most bytes of identity (account, region, namespace, metric, dimensions) a series may
/// have: CloudWatch's own limits allow far more (30 dimensions of 1 KiB), real metrics use a
/// few hundred bytes, and the ceiling on series is only a bound on memory if each is bounded.
pub const MAX_KEY_BYTES: usize = 2048;

/// Tags read from the tagging API: per (account, region), per resource ARN, its tags.
pub type TagTable = HashMap<(String, String), HashMap<String, Vec<(String, String)>>>;

/// The services' listed resources (REST APIs, DMS, Auto Scaling groups), per (account, region,
/// listing).
pub type ListedTable = HashMap<(String, String, Source), Listings>;

/// What a region's pushed series need read to be named as polling names them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Want {
    /// The tagging API's resources of a namespace (exported tags, or resources only it names).
    Tags(String),
    /// A service's listing (resources only it names).
    Listing(Source),
}

/// One read of the tags and listings the pushed series want.
#[derive(Debug, Default)]
pub struct Names {
    /// The tags, per (account, region), per ARN.
    pub tags: TagTable,
    /// The listed resources.
    pub listed: ListedTable,
    /// Regions whose tags could not be read (in full): they keep the tags they had.
    pub failed_regions: BTreeSet<String>,
    /// (region, listing) pairs that could not be read: they keep the listing they had.
    pub failed_listings: BTreeSet<(String, Source)>,
}

/// What became of the points of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Kept: a new series, or newer values of one.
    pub applied: u64,
    /// Not newer than what the series has (a retried or late batch).
    pub older: u64,
    /// Not selected by `streams.namespaces`, or no selected statistic.
    pub filtered: u64,
    /// A metric that polling collects.
    pub polled: u64,
    /// A new series past `seriesLimit`.
    pub refused: u64,
    /// An identity past [`MAX_KEY_BYTES`].
    pub oversized: u64,
    /// A timestamp more than [`MAX_FUTURE_MS`] ahead of the clock: it would freeze its series
    /// (every real point after it "older").
    pub future: u64,
}

/// How far ahead of the clock a point's timestamp may be (clock skew; streams run behind).
pub const MAX_FUTURE_MS: i64 = 5 * 60 * 1000;

struct Entry {
    /// Shared with the index: one allocation per series.
    key: Arc<str>,
    labels: Labels,
    /// Per statistic its family and value, sorted by family name.
    stats: Vec<(Arc<Meta>, f64)>,
    timestamp_ms: i64,
    samples: f64,
    updated: Instant,
}

/// The series pushed so far.
pub struct Store {
    rules: Arc<Rules>,
    index: HashMap<Arc<str>, usize>,
    entries: Vec<Entry>,
    /// Families by name: shared by the series that have them, dropped with the last one.
    families: HashMap<String, Arc<Meta>>,
    /// Label names, regions and accounts, shared (bounded: a flood of names is not kept).
    strings: HashMap<Box<str>, Arc<str>>,
    /// Bumped whenever the set of rows changes (not when only values do).
    generation: u64,
    rows: Option<(u64, Rows)>,
    tags: TagTable,
    /// Per (account, region, tag type), the tagged ARN of each dimension-value list: built
    /// once per tag read, so naming a series is a lookup.
    tagged: HashMap<(String, String, &'static str), HashMap<Vec<String>, String>>,
    listed: ListedTable,
}

/// Interned strings kept at most: beyond, strings are not shared (still correct, larger).
const MAX_INTERNED: usize = 4096;

impl Store {
    /// An empty store under `rules`.
    pub fn new(rules: Rules) -> Store {
        Store {
            rules: Arc::new(rules),
            index: HashMap::new(),
            entries: Vec::new(),
            families: HashMap::new(),
            strings: HashMap::new(),
            generation: 0,
            rows: None,
            tags: TagTable::new(),
            tagged: HashMap::new(),
            listed: ListedTable::new(),
        }
    }

    /// New tags from the tagging API and new listings: the series of namespaces with exported
    /// tags, or whose resources only the tagging API or a listing names, get their labels
    /// again. What could not be read keeps what it had (a region's tags, with what was read
    /// added; a region's listing).
    pub fn set_names(&mut self, names: Names) {
        let Names {
            mut tags,
            mut listed,
            failed_regions,
            failed_listings,
        } = names;
        for (key, old) in std::mem::take(&mut self.listed) {
            if failed_listings.contains(&(key.1.clone(), key.2)) {
                listed.entry(key).or_insert(old);
            }
        }
        self.listed = listed;
        for (key, old) in std::mem::take(&mut self.tags) {
            if failed_regions.contains(&key.1) {
                let new = tags.entry(key).or_default();
                for (arn, t) in old {
                    new.entry(arn).or_insert(t);
                }
            }
        }
        self.tags = tags;
        self.tagged.clear();
        let types: Vec<&'static catalog::ResourceType> = catalog::NAMESPACES
            .iter()
            .flat_map(|ns| ns.resources.iter())
            .filter(|r| matches!(r.arn, catalog::Arn::Tagged(_)))
            .collect();
        for ((account, region), by_arn) in &self.tags {
            for r in &types {
                for arn in by_arn.keys() {
                    if let Some(values) = r.tagged_values(arn) {
                        let slot = self
                            .tagged
                            .entry((account.clone(), region.clone(), r.tag_type))
                            .or_default()
                            .entry(values)
                            .or_insert_with(|| arn.clone());
                        // Two ARNs for the same dimensions: the first in order, every time.
                        if arn < slot {
                            *slot = arn.clone();
                        }
                    }
                }
            }
        }
        self.relabel(|s, ns| s.wants_tags(ns) || has_listed_types(ns));
    }

    /// Builds the labels of the series of namespaces `which` selects again.
    fn relabel(&mut self, which: impl Fn(&Store, &str) -> bool) {
        let mut changed = false;
        for i in 0..self.entries.len() {
            let key = self.entries[i].key.clone();
            let id = Identity::of(&key);
            if !which(self, id.namespace) {
                continue;
            }
            let labels = self.labels(&id);
            if labels != self.entries[i].labels {
                self.entries[i].labels = labels;
                changed = true;
            }
        }
        if changed {
            self.generation += 1;
        }
    }

    /// What the pushed series want read, per region: the tags of the namespaces that want
    /// them, and the listings that name the series' resources (only for series of a listed
    /// type: an EC2 stream of instances never asks for Auto Scaling groups).
    pub fn tag_wants(&self) -> BTreeSet<(String, Want)> {
        // Asked every few seconds over every series, under the store's lock: the catalog is
        // searched once per namespace, a series' type only in namespaces that have listings.
        // Per namespace: whether it wants tags, and its catalog entry if it has listed types.
        type Wanted = (bool, Option<&'static catalog::Namespace>);
        let mut per_ns: HashMap<&str, Wanted> = HashMap::new();
        let mut tags: HashSet<(&str, &str)> = HashSet::new();
        let mut listings: HashSet<(&str, Source)> = HashSet::new();
        for e in &self.entries {
            let id = Identity::of(&e.key);
            let (wants_tags, listed) = *per_ns.entry(id.namespace).or_insert_with(|| {
                (
                    self.wants_tags(id.namespace),
                    own_namespace(id.namespace).filter(|ns| ns.has_listed_types()),
                )
            });
            if wants_tags {
                tags.insert((id.region, id.namespace));
            }
            if let Some((source, _)) = listed
                .and_then(|ns| ns.resource_for(|d| id.dim(d)))
                .and_then(|r| r.listing())
            {
                listings.insert((id.region, source));
            }
        }
        let tags = tags
            .into_iter()
            .map(|(r, n)| (r.to_string(), Want::Tags(n.to_string())));
        let listings = listings
            .into_iter()
            .map(|(r, s)| (r.to_string(), Want::Listing(s)));
        tags.chain(listings).collect()
    }

    /// Whether a namespace's series need the tagging API: the config exports its tags, or its
    /// resources are named only there (as polling reads it for them).
    fn wants_tags(&self, namespace: &str) -> bool {
        self.rules.exported_tags.contains_key(namespace)
            || own_namespace(namespace).is_some_and(|ns| ns.has_tagged_types())
    }

    /// New rules (a reload): series they no longer select leave at once, and the others get
    /// their labels again (exported tags or label case may have changed).
    pub fn set_rules(&mut self, rules: Rules) {
        self.rules = Arc::new(rules);
        let rules = self.rules.clone();
        self.retain(|e| {
            let id = Identity::of(&e.key);
            rules.metric(id.namespace, id.metric).is_ok()
        });
        self.relabel(|_, _| true);
    }

    /// The rules in force.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// How many series it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Applies a batch's points at `now` (`now_ms`: the wall clock, milliseconds).
    pub fn apply(&mut self, points: Vec<Point>, now: Instant, now_ms: i64) -> Tally {
        let mut t = Tally::default();
        for p in points {
            if p.timestamp_ms > now_ms + MAX_FUTURE_MS {
                t.future += 1;
                continue;
            }
            match self.rules.metric(&p.namespace, &p.metric) {
                Err(Skip::Filtered) => {
                    t.filtered += 1;
                    continue;
                }
                Err(Skip::Polled) => {
                    t.polled += 1;
                    continue;
                }
                Ok(()) => {}
            }
            let key = key_of(&p);
            if key.len() > MAX_KEY_BYTES {
                t.oversized += 1;
                continue;
            }
            let samples = p.sample_count().unwrap_or(0.0);
            if let Some(&i) = self.index.get(key.as_str()) {
                let e = &self.entries[i];
                if p.timestamp_ms < e.timestamp_ms
                    || (p.timestamp_ms == e.timestamp_ms && samples <= e.samples)
                {
                    t.older += 1;
                    continue;
                }
                let (stats, _) = self.stats(&p);
                let e = &mut self.entries[i];
                let same = e.stats.len() == stats.len()
                    && e.stats
                        .iter()
                        .zip(&stats)
                        .all(|(a, b)| Arc::ptr_eq(&a.0, &b.0));
                if !same {
                    self.generation += 1;
                }
                e.stats = stats;
                e.timestamp_ms = p.timestamp_ms;
                e.samples = samples;
                e.updated = now;
                t.applied += 1;
                continue;
            }
            if self.entries.len() >= self.rules.streams.series_limit {
                t.refused += 1;
                continue;
            }
            let (stats, polled) = self.stats(&p);
            if stats.is_empty() {
                if polled {
                    t.polled += 1;
                } else {
                    t.filtered += 1;
                }
                continue;
            }
            let labels = self.labels(&Identity::of(&key));
            let key: Arc<str> = key.into();
            self.index.insert(key.clone(), self.entries.len());
            self.entries.push(Entry {
                key,
                labels,
                stats,
                timestamp_ms: p.timestamp_ms,
                samples,
                updated: now,
            });
            self.generation += 1;
            t.applied += 1;
        }
        t
    }

    /// Drops the series not updated since `now - staleAfter`; returns how many.
    pub fn expire(&mut self, now: Instant) -> usize {
        let stale = Duration::from_secs(u64::from(self.rules.streams.stale_after));
        self.retain(|e| now.saturating_duration_since(e.updated) < stale)
    }

    fn retain(&mut self, keep: impl Fn(&Entry) -> bool) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| keep(e));
        let gone = before - self.entries.len();
        if gone > 0 {
            self.index.clear();
            for (i, e) in self.entries.iter().enumerate() {
                self.index.insert(e.key.clone(), i);
            }
            self.generation += 1;
            // The cached rows hold families too: without them, a family no series has is
            // held only by the map.
            self.rows = None;
            self.families.retain(|_, m| Arc::strong_count(m) > 1);
        }
        gone
    }

    /// The series as a list for the renderer: the same rows (by pointer) while no series or
    /// statistic came or went, so its layout is reused.
    pub fn list(&mut self) -> List {
        let rows = match &self.rows {
            Some((g, rows)) if *g == self.generation => rows.clone(),
            _ => {
                let rows: Rows = self
                    .entries
                    .iter()
                    .flat_map(|e| e.stats.iter().map(|(m, _)| (m.clone(), e.labels.clone())))
                    .collect();
                self.rows = Some((self.generation, rows.clone()));
                // Families whose last series changed its statistics (the renderer's previous
                // layout may hold some a while longer: they go at a later build).
                self.families.retain(|_, m| Arc::strong_count(m) > 1);
                rows
            }
        };
        let values = self
            .entries
            .iter()
            .flat_map(|e| e.stats.iter().map(|(_, v)| *v))
            .collect();
        let timestamps = if self.rules.streams.timestamps {
            self.entries
                .iter()
                .flat_map(|e| e.stats.iter().map(|_| Some(e.timestamp_ms)))
                .collect()
        } else {
            Vec::new()
        };
        List {
            rows,
            values,
            timestamps,
        }
    }

    /// The point's exported statistics, each with its family, sorted by family name; and
    /// whether some were left out because polling serves their family.
    fn stats(&mut self, p: &Point) -> (Vec<(Arc<Meta>, f64)>, bool) {
        let mut out: Vec<(Arc<Meta>, f64)> = Vec::with_capacity(p.stats.len());
        let mut polled = false;
        for (stat, value) in &p.stats {
            if !self.rules.statistic(&p.namespace, stat) {
                continue;
            }
            let name = metric_name(&p.namespace, &p.metric, stat);
            // The family polling serves under another spelling of the namespace or metric:
            // never twice in /metrics.
            if self.rules.polled_families.contains(&name) {
                polled = true;
                continue;
            }
            let meta = match self.families.get(&name) {
                Some(m) => m.clone(),
                None => {
                    if !valid_metric_name(&name) {
                        // Once per process, not per name: names come from the network.
                        if first_time("pushed invalid metric name") {
                            tracing::warn!(
                                name,
                                "a pushed metric's name is not a valid Prometheus name; such statistics are skipped"
                            );
                        }
                        continue;
                    }
                    let help = format!(
                        "CloudWatch {} {} {}, period 60s, pushed by a metric stream",
                        p.namespace, p.metric, stat
                    );
                    let m = Arc::new(Meta::gauge(name.as_str(), help));
                    self.families.insert(name, m.clone());
                    m
                }
            };
            out.push((meta, *value));
        }
        out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        out.dedup_by(|b, a| Arc::ptr_eq(&a.0, &b.0));
        (out, polled)
    }

    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        if self.strings.len() < MAX_INTERNED {
            self.strings.insert(s.into(), a.clone());
        }
        a
    }

    /// A series' labels as polling makes them: `name` (the catalog's ARN, or `global`), its
    /// dimensions, the namespace's exported tags, `region` and `account_id`.
    fn labels(&mut self, p: &Identity<'_>) -> Labels {
        let dim = |n: &str| p.dim(n);
        // The tags of the listed resource the series names, when its listing gives them (the
        // tagging API lists no Auto Scaling groups).
        let mut listed_tags: Option<&Vec<(String, String)>> = None;
        let name = own_namespace(p.namespace)
            .and_then(|ns| ns.resource_for(dim))
            .and_then(|r| match r.arn {
                catalog::Arn::Built(_) => r.build_arn(p.region, p.account, dim),
                // Named by the tagging API: the tagged resource whose ARN says these
                // dimensions; none (or not read yet): global, as polling does.
                catalog::Arn::Tagged(_) => {
                    let m = self.tagged.get(&(
                        p.account.to_string(),
                        p.region.to_string(),
                        r.tag_type,
                    ))?;
                    r.candidates(dim)
                        .into_iter()
                        .find_map(|want| m.get(&want))
                        .cloned()
                }
                // Named by the service's listing; none (or not read yet): global, as polling.
                catalog::Arn::Listed { source, .. } => {
                    let (arn, tags) = self
                        .listed
                        .get(&(p.account.to_string(), p.region.to_string(), source))?
                        .name(r, p.region, p.account, dim)?;
                    listed_tags = tags;
                    Some(arn)
                }
            })
            .unwrap_or_else(|| catalog::GLOBAL.to_string());
        let listed_tags: Option<Vec<(String, String)>> = listed_tags.cloned();
        let mut map: BTreeMap<String, Arc<str>> = BTreeMap::new();
        let mut label = |prefix: &str, key: &str, value: &str| match label_suffix(
            key,
            self.rules.snake,
        ) {
            Some(s) => {
                map.insert(format!("{prefix}{s}"), Arc::from(value));
            }
            None => {
                // Once per process, not per key: keys come from the network.
                if first_time("pushed invalid label name") {
                    tracing::warn!(
                        key,
                        "a pushed dimension or tag key is not a valid Prometheus label name; such labels are skipped"
                    );
                }
            }
        };
        for (k, v) in &p.dimensions {
            label("dimension_", k, v);
        }
        if let Some(keys) = self.rules.exported_tags.get(p.namespace) {
            let tags = self
                .tags
                .get(&(p.account.to_string(), p.region.to_string()))
                .and_then(|by_arn| by_arn.get(&name))
                .or(listed_tags.as_ref());
            for k in keys {
                let v = tags
                    .and_then(|t| t.iter().find(|(tk, _)| tk == k))
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                label("tag_", k, v);
            }
        }
        map.insert("name".into(), Arc::from(name.as_str()));
        let region = self.intern(p.region);
        let account = self.intern(p.account);
        map.insert("region".into(), region);
        map.insert("account_id".into(), account);
        let pairs: Vec<Pair> = map.into_iter().map(|(k, v)| (self.intern(&k), v)).collect();
        pairs.into()
    }
}

/// A series' identity, read back from its key.
struct Identity<'k> {
    account: &'k str,
    region: &'k str,
    namespace: &'k str,
    metric: &'k str,
    dimensions: Vec<(&'k str, &'k str)>,
}

impl<'k> Identity<'k> {
    fn of(key: &'k str) -> Identity<'k> {
        let mut parts = key.split('\u{1}');
        let mut next = || parts.next().unwrap_or("");
        let (account, region, namespace, metric) = (next(), next(), next(), next());
        let dimensions = key
            .split('\u{1}')
            .skip(4)
            .filter_map(|d| d.split_once('\u{2}'))
            .collect();
        Identity {
            account,
            region,
            namespace,
            metric,
            dimensions,
        }
    }

    /// The value of dimension `name`.
    fn dim(&self, name: &str) -> Option<&'k str> {
        self.dimensions.iter().find(|d| d.0 == name).map(|d| d.1)
    }
}

/// The catalog's namespace of pushed series: by its name only (a stream sends no aliases).
fn own_namespace(namespace: &str) -> Option<&'static catalog::Namespace> {
    catalog::lookup(namespace).filter(|ns| ns.namespace == namespace)
}

/// Whether a namespace has resources only a service's listing names.
fn has_listed_types(namespace: &str) -> bool {
    own_namespace(namespace).is_some_and(|ns| ns.has_listed_types())
}

/// A series' identity, unambiguous: the parts are joined by a byte no name or value has.
fn key_of(p: &Point) -> String {
    let mut k = String::with_capacity(64);
    for part in [&p.account, &p.region, &p.namespace, &p.metric] {
        k.push_str(part);
        k.push('\u{1}');
    }
    for d in &p.dimensions {
        k.push_str(&d.name);
        k.push('\u{2}');
        k.push_str(&d.value);
        k.push('\u{1}');
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{StreamSelect, Streams};
    use crate::model::Dim;

    fn rules(streams: Streams) -> Rules {
        Rules::new(&streams, &[], false)
    }

    fn point(service: &str, ts: i64, sum: f64, count: f64) -> Point {
        Point {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            namespace: "ECS/ContainerInsights".into(),
            metric: "CpuUtilized".into(),
            dimensions: vec![
                Dim {
                    name: "ClusterName".into(),
                    value: "prod".into(),
                },
                Dim {
                    name: "ServiceName".into(),
                    value: service.into(),
                },
            ],
            timestamp_ms: ts,
            stats: vec![
                ("Sum".into(), sum),
                ("SampleCount".into(), count),
                ("Maximum".into(), sum),
            ],
        }
        .with_average()
    }

    fn text(store: &mut Store) -> String {
        let list = store.list();
        let exp = crate::exposition::layout::Renderer::default().prepare(&[&list]);
        String::from_utf8(exp.to_vec(false)).unwrap()
    }

    #[test]
    fn series_are_named_and_labelled_as_polling_does() {
        let mut s = Store::new(rules(Streams::default()));
        let t = s.apply(vec![point("api", 60_000, 90.0, 3.0)], Instant::now(), 0);
        assert_eq!(t.applied, 1);
        let out = text(&mut s);
        assert!(
            out.contains(
                "aws_ecs_containerinsights_cpu_utilized_average{account_id=\"123456789012\",dimension_ClusterName=\"prod\",dimension_ServiceName=\"api\",name=\"arn:aws:ecs:us-east-1:123456789012:service/prod/api\",region=\"us-east-1\"} 30\n"
            ),
            "{out}"
        );
        for stat in ["maximum", "sum", "sample_count"] {
            assert!(
                out.contains(&format!("aws_ecs_containerinsights_cpu_utilized_{stat}{{")),
                "{out}"
            );
        }
    }

    #[test]
    fn a_retried_or_late_batch_changes_nothing() {
        let mut s = Store::new(rules(Streams::default()));
        let now = Instant::now();
        let new = vec![point("api", 120_000, 40.0, 2.0)];
        let old = vec![point("api", 60_000, 90.0, 3.0)];
        s.apply(new.clone(), now, 0);
        let before = text(&mut s);
        assert_eq!(s.apply(new.clone(), now, 0).older, 1);
        assert_eq!(s.apply(old, now, 0).older, 1);
        assert_eq!(text(&mut s), before);
        // The same minute with more samples is a late update of it: kept.
        assert_eq!(
            s.apply(vec![point("api", 120_000, 60.0, 3.0)], now, 0)
                .applied,
            1
        );
        assert!(text(&mut s).contains("} 20\n"));
    }

    #[test]
    fn the_ceiling_refuses_new_series_and_keeps_updating_old_ones() {
        let mut s = Store::new(rules(Streams {
            series_limit: 2,
            ..Streams::default()
        }));
        let now = Instant::now();
        let t = s.apply(
            vec![
                point("a", 60_000, 1.0, 1.0),
                point("b", 60_000, 1.0, 1.0),
                point("c", 60_000, 1.0, 1.0),
            ],
            now,
            0,
        );
        assert_eq!((t.applied, t.refused, s.len()), (2, 1, 2));
        assert_eq!(
            s.apply(vec![point("a", 120_000, 1.0, 1.0)], now, 0).applied,
            1
        );
    }

    #[test]
    fn stale_series_leave_and_their_rows_with_them() {
        let mut s = Store::new(rules(Streams::default()));
        let t0 = Instant::now();
        s.apply(vec![point("a", 60_000, 1.0, 1.0)], t0, 0);
        s.apply(
            vec![point("b", 60_000, 1.0, 1.0)],
            t0 + Duration::from_secs(600),
            0,
        );
        // An update after the index was rebuilt lands on its own series.
        assert_eq!(s.expire(t0 + Duration::from_secs(899)), 0);
        assert_eq!(s.expire(t0 + Duration::from_secs(900)), 1);
        let out = text(&mut s);
        assert!(!out.contains("dimension_ServiceName=\"a\""), "{out}");
        assert!(out.contains("dimension_ServiceName=\"b\""), "{out}");
        let t = s.apply(vec![point("b", 120_000, 7.0, 1.0)], t0, 0);
        assert_eq!((t.applied, s.len()), (1, 1));
        assert!(text(&mut s).contains("dimension_ServiceName=\"b\",name=\"arn:aws:ecs:us-east-1:123456789012:service/prod/b\",region=\"us-east-1\"} 7\n"));
    }

    #[test]
    fn rows_are_shared_while_only_values_change() {
        let mut s = Store::new(rules(Streams::default()));
        let now = Instant::now();
        s.apply(vec![point("a", 60_000, 1.0, 1.0)], now, 0);
        let first = s.list();
        s.apply(vec![point("a", 120_000, 2.0, 1.0)], now, 0);
        let second = s.list();
        assert!(Arc::ptr_eq(&first.rows, &second.rows));
        assert_ne!(first.values, second.values);
        s.apply(vec![point("b", 120_000, 2.0, 1.0)], now, 0);
        assert!(!Arc::ptr_eq(&second.rows, &s.list().rows));
    }

    #[test]
    fn selection_polling_and_statistics_filter() {
        let streams = Streams {
            select: vec![StreamSelect {
                namespace: "ECS/ContainerInsights".into(),
                metrics: vec!["CpuUtilized".into()],
                statistics: vec!["Average".into()],
            }],
            ..Streams::default()
        };
        let mut s = Store::new(rules(streams.clone()));
        let mut other = point("a", 60_000, 1.0, 1.0);
        other.metric = "MemoryUtilized".into();
        let t = s.apply(vec![point("a", 60_000, 1.0, 1.0), other], Instant::now(), 0);
        assert_eq!((t.applied, t.filtered), (1, 1));
        let out = text(&mut s);
        assert!(out.contains("_cpu_utilized_average{"), "{out}");
        assert!(!out.contains("_cpu_utilized_maximum{"), "{out}");

        let mut r = rules(Streams::default());
        r.polled
            .entry("ECS/ContainerInsights".into())
            .or_default()
            .insert("CpuUtilized".into());
        let mut s = Store::new(r);
        assert_eq!(
            s.apply(vec![point("a", 60_000, 1.0, 1.0)], Instant::now(), 0)
                .polled,
            1
        );
    }

    #[test]
    fn a_namespace_named_only_by_the_tagging_api_gets_the_tagged_arn() {
        let mut s = Store::new(rules(Streams::default()));
        let mut p = point("x", 60_000, 1.0, 1.0);
        p.namespace = "AWS/AmazonMQ".into();
        p.metric = "CpuUtilization".into();
        p.dimensions = vec![Dim {
            name: "Broker".into(),
            value: "orders".into(),
        }];
        s.apply(vec![p], Instant::now(), 0);
        assert!(text(&mut s).contains("name=\"global\""));
        assert_eq!(s.tag_wants().len(), 1, "the tagging API is asked");
        let arn = "arn:aws:mq:us-east-1:123456789012:broker:orders:b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9";
        let mut table = TagTable::new();
        table
            .entry(("123456789012".into(), "us-east-1".into()))
            .or_default()
            .insert(arn.into(), vec![]);
        s.set_names(Names {
            tags: table,
            ..Names::default()
        });
        let out = text(&mut s);
        assert!(out.contains(&format!("name=\"{arn}\"")), "{out}");
    }

    #[test]
    fn a_rest_api_is_named_by_its_listing_and_keeps_it_when_a_read_fails() {
        let mut s = Store::new(rules(Streams::default()));
        let mut p = point("x", 60_000, 1.0, 1.0);
        p.namespace = "AWS/ApiGateway".into();
        p.metric = "Latency".into();
        p.dimensions = vec![
            Dim {
                name: "ApiName".into(),
                value: "orders".into(),
            },
            Dim {
                name: "Stage".into(),
                value: "prod".into(),
            },
        ];
        s.apply(vec![p], Instant::now(), 0);
        assert!(text(&mut s).contains("name=\"global\""));
        assert_eq!(
            s.tag_wants().into_iter().collect::<Vec<_>>(),
            [(
                "us-east-1".to_string(),
                Want::Listing(catalog::Source::ApiGatewayRestApis)
            )],
            "the listing is asked, not the tagging API"
        );
        let api = "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5";
        let listing = Listings::new([(
            catalog::Source::ApiGatewayRestApis,
            crate::model::Described {
                arn: api.into(),
                dimensions: vec![Dim {
                    name: "ApiName".into(),
                    value: "orders".into(),
                }],
                ..Default::default()
            },
        )]);
        let key = (
            "123456789012".to_string(),
            "us-east-1".to_string(),
            catalog::Source::ApiGatewayRestApis,
        );
        s.set_names(Names {
            listed: ListedTable::from([(key, listing)]),
            ..Names::default()
        });
        let want = format!("name=\"{api}/stages/prod\"");
        assert!(text(&mut s).contains(&want), "{}", text(&mut s));
        // A failed read keeps the region's listing.
        s.set_names(Names {
            failed_listings: [("us-east-1".to_string(), catalog::Source::ApiGatewayRestApis)]
                .into(),
            ..Names::default()
        });
        assert!(text(&mut s).contains(&want));
        // A failed read of another listing, or of the region's tags, does not.
        s.set_names(Names {
            failed_listings: [("us-east-1".to_string(), catalog::Source::AutoScalingGroups)].into(),
            failed_regions: ["us-east-1".to_string()].into(),
            ..Names::default()
        });
        assert!(text(&mut s).contains("name=\"global\""));
    }

    #[test]
    fn instances_want_nothing_read_and_a_groups_tags_come_from_its_listing() {
        let mut r = rules(Streams::default());
        r.exported_tags
            .insert("AWS/EC2".into(), vec!["team".into()]);
        let mut s = Store::new(rules(Streams::default()));
        let ec2 = |dim: &str, value: &str| {
            let mut p = point("x", 60_000, 1.0, 1.0);
            p.namespace = "AWS/EC2".into();
            p.metric = "CPUUtilization".into();
            p.dimensions = vec![Dim {
                name: dim.into(),
                value: value.into(),
            }];
            p
        };
        s.apply(vec![ec2("InstanceId", "i-0abc")], Instant::now(), 0);
        assert!(s.tag_wants().is_empty(), "{:?}", s.tag_wants());
        let mut s = Store::new(r);
        s.apply(
            vec![
                ec2("InstanceId", "i-0abc"),
                ec2("AutoScalingGroupName", "web"),
            ],
            Instant::now(),
            0,
        );
        let wants: Vec<Want> = s.tag_wants().into_iter().map(|(_, w)| w).collect();
        assert_eq!(
            wants,
            [
                Want::Tags("AWS/EC2".into()),
                Want::Listing(catalog::Source::AutoScalingGroups)
            ]
        );
        let group = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:6d6e5c3a-0b1f-4e7e-9d2e-1a2b3c4d5e6f:autoScalingGroupName/web";
        let listing = Listings::new([(
            catalog::Source::AutoScalingGroups,
            crate::model::Described {
                arn: group.into(),
                dimensions: vec![Dim {
                    name: "AutoScalingGroupName".into(),
                    value: "web".into(),
                }],
                tags: vec![("team".into(), "shop".into())],
                ..Default::default()
            },
        )]);
        s.set_names(Names {
            listed: ListedTable::from([(
                (
                    "123456789012".to_string(),
                    "us-east-1".to_string(),
                    catalog::Source::AutoScalingGroups,
                ),
                listing,
            )]),
            ..Names::default()
        });
        let out = text(&mut s);
        assert!(
            out.contains(&format!(
                "name=\"{group}\",region=\"us-east-1\",tag_team=\"shop\"}}"
            )),
            "{out}"
        );
        assert!(
            out.contains("tag_team=\"\""),
            "the instance has no tags read: {out}"
        );
    }

    #[test]
    fn timestamps_are_the_minutes_when_asked_for() {
        let mut s = Store::new(rules(Streams {
            timestamps: true,
            ..Streams::default()
        }));
        s.apply(vec![point("a", 120_000, 1.0, 1.0)], Instant::now(), 0);
        let out = text(&mut s);
        assert!(out.contains("dimension_ServiceName=\"a\",name=\"arn:aws:ecs:us-east-1:123456789012:service/prod/a\",region=\"us-east-1\"} 1 120000\n"), "{out}");
        let mut s = Store::new(rules(Streams::default()));
        s.apply(vec![point("a", 120_000, 1.0, 1.0)], Instant::now(), 0);
        assert!(!text(&mut s).contains(" 120000\n"));
    }

    #[test]
    fn exported_tags_join_by_the_built_arn_and_are_empty_when_unknown() {
        let mut r = rules(Streams::default());
        r.exported_tags
            .insert("ECS/ContainerInsights".into(), vec!["team".into()]);
        let mut s = Store::new(r);
        s.apply(
            vec![
                point("api", 60_000, 1.0, 1.0),
                point("web", 60_000, 1.0, 1.0),
            ],
            Instant::now(),
            0,
        );
        assert!(text(&mut s).contains("tag_team=\"\""));
        assert_eq!(
            s.tag_wants().into_iter().collect::<Vec<_>>(),
            vec![(
                "us-east-1".to_string(),
                Want::Tags("ECS/ContainerInsights".to_string())
            )]
        );
        let mut table = TagTable::new();
        table
            .entry(("123456789012".into(), "us-east-1".into()))
            .or_default()
            .insert(
                "arn:aws:ecs:us-east-1:123456789012:service/prod/api".into(),
                vec![("team".into(), "payments".into())],
            );
        let before = s.list().rows;
        s.set_names(Names {
            tags: table,
            ..Names::default()
        });
        assert!(
            !Arc::ptr_eq(&before, &s.list().rows),
            "relabelled rows are new rows"
        );
        let out = text(&mut s);
        assert!(
            out.contains("dimension_ServiceName=\"api\",name=\"arn:aws:ecs:us-east-1:123456789012:service/prod/api\",region=\"us-east-1\",tag_team=\"payments\"}"),
            "{out}"
        );
        assert!(
            out.contains("dimension_ServiceName=\"web\",name=\"arn:aws:ecs:us-east-1:123456789012:service/prod/web\",region=\"us-east-1\",tag_team=\"\"}"),
            "{out}"
        );
    }

    #[test]
    fn a_point_from_the_future_is_refused_so_it_cannot_freeze_its_series() {
        let mut s = Store::new(rules(Streams::default()));
        let now_ms = 1_700_000_000_000;
        let t = s.apply(
            vec![point("a", now_ms + MAX_FUTURE_MS + 1, 1.0, 1.0)],
            Instant::now(),
            now_ms,
        );
        assert_eq!((t.future, s.len()), (1, 0));
        let t = s.apply(
            vec![point("a", now_ms + 60_000, 1.0, 1.0)],
            Instant::now(),
            now_ms,
        );
        assert_eq!(t.applied, 1, "a minute of clock skew is fine");
    }

    #[test]
    fn a_family_polling_serves_is_never_pushed_too() {
        // Another spelling of a polled metric makes the same family name.
        let mut r = rules(Streams::default());
        r.polled_families
            .insert("aws_ecs_containerinsights_cpu_utilized_average".into());
        let mut s = Store::new(r);
        let mut p = point("a", 60_000, 1.0, 1.0);
        p.metric = "Cpu_Utilized".into();
        let t = s.apply(vec![p], Instant::now(), 0);
        assert_eq!(t.applied, 1);
        let out = text(&mut s);
        assert!(!out.contains("_cpu_utilized_average{"), "{out}");
        assert!(out.contains("_cpu_utilized_maximum{"), "{out}");
    }

    #[test]
    fn a_series_past_the_identity_bound_is_refused() {
        let mut s = Store::new(rules(Streams::default()));
        let mut p = point("a", 60_000, 1.0, 1.0);
        p.dimensions[1].value = "x".repeat(MAX_KEY_BYTES);
        assert_eq!(s.apply(vec![p], Instant::now(), 0).oversized, 1);
        assert!(s.is_empty());
    }
}
