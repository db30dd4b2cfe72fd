//! The CloudWatch series, rendered fast and held small.
//!
//! At 100k series the general path ([`super::text::Families`]: a label map per sample, evened
//! out, sorted and de-duplicated every cycle) took seconds and hundreds of MiB. But between two
//! discoveries the *shape* of the output — which families, which label sets, in which order —
//! does not change; only the values do. So a [`Renderer`] keeps a `Layout` (families, their
//! header lines, each row's pre-escaped `{labels}` block, shared by every family that has the
//! same labels) and, while the input has the same shape, a cycle only writes names, blocks and
//! values one after the other. The input is [`List`]s whose rows (family, labels) are built once
//! per discovery and shared, and whose values are the cycle's: the shape is compared by the
//! rows' pointer (and the timestamps), and the layout holds a clone of each list's rows, so an
//! address can never be reused by something else while it is compared. A cycle's series cost 8
//! bytes each (the value), not a copy of their labels.
//!
//! The bytes themselves are written per scrape, family by family in chunks, from the layout and
//! the cycle's values ([`Exposition::chunks`]): keeping them would cost as much memory as the
//! output is long (26 MB per format at 100k series), writing them costs a few milliseconds and
//! never touches AWS.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;

use super::text::{Families, Kind, escape_help, escape_label_value, write_float, write_timestamp};

/// A label's name and value.
pub type Pair = (Arc<str>, Arc<str>);
/// Label names and values, sorted by name.
pub type Labels = Arc<[Pair]>;

/// A family's name, help text and type.
#[derive(Debug, PartialEq, Eq)]
pub struct Meta {
    /// The family's name.
    pub name: Arc<str>,
    /// The `# HELP` text.
    pub help: Arc<str>,
    /// Gauge (every CloudWatch series) or counter (some of the exporter's own).
    pub kind: Kind,
}

impl Meta {
    /// A gauge family.
    pub fn gauge(name: impl Into<Arc<str>>, help: impl Into<Arc<str>>) -> Meta {
        Meta {
            name: name.into(),
            help: help.into(),
            kind: Kind::Gauge,
        }
    }
}

/// One series and its value (see [`List::from_series`]).
#[derive(Clone, Debug)]
pub struct Series {
    /// Its family.
    pub meta: Arc<Meta>,
    /// Its labels.
    pub labels: Labels,
    /// Its value.
    pub value: f64,
    /// Its timestamp (milliseconds since the epoch), if it has one.
    pub timestamp_ms: Option<i64>,
}

/// A row of the output: a family and a label set.
pub type Row = (Arc<Meta>, Labels);
/// Rows built once and shared by every cycle that has the same shape.
pub type Rows = Arc<[Row]>;

/// A list of series: their rows and, per row, this cycle's value (and timestamp).
#[derive(Clone, Debug, Default)]
pub struct List {
    /// The rows (family and labels), shared by every cycle of the same shape.
    pub rows: Rows,
    /// One per row.
    pub values: Vec<f64>,
    /// One per row (milliseconds since the epoch), or empty when no row has one.
    pub timestamps: Vec<Option<i64>>,
}

impl List {
    /// A list from series, with rows of its own (a new shape for the renderer).
    pub fn from_series(samples: &[Series]) -> List {
        let timestamps = if samples.iter().any(|s| s.timestamp_ms.is_some()) {
            samples.iter().map(|s| s.timestamp_ms).collect()
        } else {
            Vec::new()
        };
        List {
            rows: samples
                .iter()
                .map(|s| (s.meta.clone(), s.labels.clone()))
                .collect(),
            values: samples.iter().map(|s| s.value).collect(),
            timestamps,
        }
    }

    /// How many rows the list has.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the list has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn timestamp(&self, i: usize) -> Option<i64> {
        self.timestamps.get(i).copied().flatten()
    }
}

/// What one cycle serves: the layout and the values, written out per scrape.
#[derive(Clone, Debug, Default)]
pub struct Exposition {
    layout: Arc<Layout>,
    /// One per sample, in input order.
    values: Arc<[f64]>,
    /// The layout was rebuilt (the shape changed) rather than reused.
    pub rebuilt: bool,
}

/// Samples per chunk of a family's body: bounds the memory a scrape holds at once.
/// (256 lines are ~70 KB at W3: below glibc's mmap threshold, so chunks reuse heap memory.)
const ROWS_PER_CHUNK: usize = 256;

impl Exposition {
    /// A few series collected the general way (the exporter's own), laid out and written by
    /// the same writer as the CloudWatch series. Each call is a new layout: for dozens of
    /// series, not for the CloudWatch ones.
    pub fn of(families: Families) -> Exposition {
        let (families, _) = families.finish();
        let mut series = Vec::new();
        for f in families {
            let meta = Arc::new(Meta {
                name: f.name.into(),
                help: f.help.into(),
                kind: f.kind,
            });
            for s in f.samples {
                let labels: Vec<Pair> = s
                    .labels
                    .into_iter()
                    .map(|(k, v)| (Arc::from(k), Arc::from(v)))
                    .collect();
                series.push(Series {
                    meta: meta.clone(),
                    labels: labels.into(),
                    value: s.value,
                    timestamp_ms: s.timestamp_ms,
                });
            }
        }
        Renderer::default().prepare(&[&List::from_series(&series)])
    }

    /// Samples dropped because an identical one (name, labels, timestamp) came first.
    pub fn duplicates(&self) -> usize {
        self.layout.duplicates
    }

    /// The exposition as chunks, concatenated in order; OpenMetrics without its `# EOF`.
    pub fn chunks(&self, openmetrics: bool) -> Chunks {
        Chunks {
            layout: self.layout.clone(),
            values: self.values.clone(),
            openmetrics,
            family: 0,
            row: None,
        }
    }

    /// All of it in one buffer.
    pub fn to_vec(&self, openmetrics: bool) -> Vec<u8> {
        self.chunks(openmetrics).flat_map(|c| c.to_vec()).collect()
    }
}

/// Writes an [`Exposition`] a chunk at a time.
pub struct Chunks {
    layout: Arc<Layout>,
    values: Arc<[f64]>,
    openmetrics: bool,
    family: usize,
    /// None: the family's header is next; Some(r): its rows from r.
    row: Option<usize>,
}

impl Iterator for Chunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let f = self.layout.families.get(self.family)?;
        let Some(from) = self.row else {
            self.row = Some(0);
            return Some(if self.openmetrics {
                f.om_head.clone()
            } else {
                f.text_head.clone()
            });
        };
        let to = (from + ROWS_PER_CHUNK).min(f.rows.len());
        let mut out = Vec::with_capacity((to - from) * f.row_len_hint);
        for &(i, b) in &f.rows[from..to] {
            out.extend_from_slice(f.name.as_bytes());
            out.extend_from_slice(&self.layout.blocks[b as usize]);
            out.push(b' ');
            write_float(&mut out, self.values[i as usize]);
            if let Some(Some(ts)) = self.layout.timestamps.get(i as usize) {
                out.push(b' ');
                write_timestamp(&mut out, *ts, self.openmetrics);
            }
            out.push(b'\n');
        }
        if to == f.rows.len() {
            self.family += 1;
            self.row = None;
        } else {
            self.row = Some(to);
        }
        Some(Bytes::from(out))
    }
}

/// Keeps the last layout between cycles.
#[derive(Default)]
pub struct Renderer {
    layout: Option<Arc<Layout>>,
}

#[derive(Debug, Default)]
struct Layout {
    /// The input's shape: each list's rows and timestamps, in input order.
    lists: Vec<(Rows, Vec<Option<i64>>)>,
    /// Per row in input order, its timestamp; empty when no row has one.
    timestamps: Vec<Option<i64>>,
    families: Vec<FamilyLayout>,
    /// `{a="x",b="y"}` (or empty), escaped; rows point here.
    blocks: Vec<Box<[u8]>>,
    duplicates: usize,
}

#[derive(Debug)]
struct FamilyLayout {
    name: Arc<str>,
    text_head: Bytes,
    om_head: Bytes,
    /// (index of the sample in input order, block), in output order.
    rows: Vec<(u32, u32)>,
    /// Bytes a row takes, roughly: to allocate a chunk once.
    row_len_hint: usize,
}

impl Renderer {
    /// The exposition of `lists` (all samples, in any grouping): the last layout if the shape
    /// is the same, else a new one.
    pub fn prepare(&mut self, lists: &[&List]) -> Exposition {
        let same = self
            .layout
            .as_ref()
            .is_some_and(|l| same_shape(&l.lists, lists));
        if !same {
            self.layout = Some(Arc::new(Layout::build(lists)));
        }
        // One value per row, whatever a list holds (a list is built with one per row).
        let values: Arc<[f64]> = lists
            .iter()
            .flat_map(|l| (0..l.rows.len()).map(|i| l.values.get(i).copied().unwrap_or(f64::NAN)))
            .collect();
        Exposition {
            layout: self.layout.clone().expect("set above"),
            values,
            rebuilt: !same,
        }
    }
}

fn same_shape(had: &[(Rows, Vec<Option<i64>>)], lists: &[&List]) -> bool {
    had.len() == lists.len()
        && had
            .iter()
            .zip(lists)
            .all(|((rows, ts), l)| Arc::ptr_eq(rows, &l.rows) && *ts == l.timestamps)
}

impl Layout {
    fn build(lists: &[&List]) -> Layout {
        // Per row in input order: family, labels, timestamp (borrowed, for this build only).
        let shape: Vec<(&Arc<Meta>, &Labels, Option<i64>)> = lists
            .iter()
            .flat_map(|l| {
                l.rows
                    .iter()
                    .enumerate()
                    .map(|(i, (m, labels))| (m, labels, l.timestamp(i)))
            })
            .collect();
        let timestamps: Vec<Option<i64>> = if shape.iter().any(|s| s.2.is_some()) {
            shape.iter().map(|s| s.2).collect()
        } else {
            Vec::new()
        };
        // Families by name, in name order; the first help text seen wins.
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        let mut groups: Vec<(&Arc<Meta>, Vec<u32>)> = Vec::new();
        for (i, (m, _, _)) in shape.iter().enumerate() {
            let g = *by_name.entry(&m.name).or_insert_with(|| {
                groups.push((m, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i as u32);
        }
        groups.sort_by(|a, b| a.0.name.cmp(&b.0.name));

        // Every sample of a family gets every label name of the family ("" when missing), so a
        // label set's block depends on the family's names. Most families share their names (all
        // metrics of a service): blocks, their values and their sort order are worked out once
        // per (names, label set) and once per names, not once per family.
        let mut blocks: Vec<Box<[u8]>> = Vec::new();
        // Per block, its label values in the order of its names (for sorting).
        let mut block_values: Vec<Vec<&str>> = Vec::new();
        let mut block_ids: HashMap<Box<[u8]>, u32> = HashMap::new();
        let mut names_ids: HashMap<Vec<&Arc<str>>, u32> = HashMap::new();
        let mut cache: HashMap<(u32, *const Pair), u32> = HashMap::new();
        // Per names, the blocks used with them.
        let mut used: Vec<HashSet<u32>> = Vec::new();
        // Per family: its meta and its rows (sample, block).
        let mut staged = Vec::with_capacity(groups.len());
        for (meta, members) in groups {
            let mut names: Vec<&Arc<str>> = Vec::new();
            let mut seen_sets: HashSet<*const Pair> = HashSet::new();
            for &i in &members {
                let l = shape[i as usize].1;
                if seen_sets.insert(l.as_ptr()) {
                    names.extend(l.iter().map(|(k, _)| k));
                }
            }
            names.sort();
            names.dedup();
            let next = names_ids.len() as u32;
            let names_id = *names_ids.entry(names.clone()).or_insert_with(|| {
                used.push(HashSet::new());
                next
            });
            let mut rows: Vec<(u32, u32)> = Vec::with_capacity(members.len());
            for &i in &members {
                let l = shape[i as usize].1;
                let b = *cache.entry((names_id, l.as_ptr())).or_insert_with(|| {
                    let values: Vec<&str> = names
                        .iter()
                        .map(|n| {
                            l.iter()
                                .find(|(k, _)| k == *n)
                                .map(|(_, v)| v.as_ref())
                                .unwrap_or("")
                        })
                        .collect();
                    let bytes = block(&names, &values);
                    if let Some(id) = block_ids.get(&bytes) {
                        return *id;
                    }
                    let id = blocks.len() as u32;
                    block_ids.insert(bytes.clone(), id);
                    blocks.push(bytes);
                    block_values.push(values);
                    id
                });
                used[names_id as usize].insert(b);
                rows.push((i, b));
            }
            staged.push((meta, rows));
        }
        // Each block's rank among the blocks of its names, by label values: the order
        // client_golang writes series in. (Different blocks never have equal values.)
        let mut rank: Vec<u32> = vec![0; blocks.len()];
        for set in &used {
            let mut ids: Vec<u32> = set.iter().copied().collect();
            ids.sort_unstable_by(|a, b| block_values[*a as usize].cmp(&block_values[*b as usize]));
            for (r, b) in ids.into_iter().enumerate() {
                rank[b as usize] = r as u32;
            }
        }
        drop((block_ids, cache, used, block_values));

        let mut duplicates = 0;
        let mut families = Vec::with_capacity(staged.len());
        for (meta, rows) in staged {
            // Sorted by label values, then timestamp; identical rows (same block and timestamp)
            // keep the first in input order.
            let mut keyed: Vec<(u32, Option<i64>, u32, u32)> = rows
                .iter()
                .map(|&(i, b)| (rank[b as usize], shape[i as usize].2, i, b))
                .collect();
            keyed.sort_unstable();
            let mut rows: Vec<(u32, u32)> = keyed.into_iter().map(|(_, _, i, b)| (i, b)).collect();
            let before = rows.len();
            rows.dedup_by(|b, a| a.1 == b.1 && shape[a.0 as usize].2 == shape[b.0 as usize].2);
            duplicates += before - rows.len();
            let longest = rows
                .iter()
                .map(|(_, b)| blocks[*b as usize].len())
                .max()
                .unwrap_or(0);
            families.push(FamilyLayout {
                name: meta.name.clone(),
                text_head: head(meta, false),
                om_head: head(meta, true),
                rows,
                // Name, block, and room for a value and a timestamp.
                row_len_hint: meta.name.len() + longest + 48,
            });
        }
        let lists = lists
            .iter()
            .map(|l| (l.rows.clone(), l.timestamps.clone()))
            .collect();
        Layout {
            lists,
            timestamps,
            families,
            blocks,
            duplicates,
        }
    }
}

fn block(names: &[&Arc<str>], values: &[&str]) -> Box<[u8]> {
    let mut out = Vec::new();
    if !names.is_empty() {
        out.push(b'{');
        for (i, (k, v)) in names.iter().zip(values).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b"=\"");
            escape_label_value(&mut out, v);
            out.push(b'"');
        }
        out.push(b'}');
    }
    out.into_boxed_slice()
}

fn head(meta: &Meta, openmetrics: bool) -> Bytes {
    let mut out = Vec::new();
    // OpenMetrics declares a counter without its samples' `_total`.
    let name = match meta.kind {
        Kind::Counter if openmetrics => meta.name.strip_suffix("_total").unwrap_or(&meta.name),
        _ => &meta.name,
    };
    let help = |out: &mut Vec<u8>| {
        out.extend_from_slice(b"# HELP ");
        out.extend_from_slice(name.as_bytes());
        out.push(b' ');
        escape_help(out, &meta.help, openmetrics);
        out.push(b'\n');
    };
    let kind = |out: &mut Vec<u8>| {
        out.extend_from_slice(b"# TYPE ");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(match meta.kind {
            Kind::Gauge => b" gauge\n",
            Kind::Counter => b" counter\n",
        });
    };
    if openmetrics {
        kind(&mut out);
        help(&mut out);
    } else {
        help(&mut out);
        kind(&mut out);
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::text::{Families, Kind, render_openmetrics, render_text};
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        let mut v: Vec<(Arc<str>, Arc<str>)> = pairs
            .iter()
            .map(|(k, v)| (Arc::from(*k), Arc::from(*v)))
            .collect();
        v.sort();
        v.into()
    }

    fn meta(name: &str, help: &str) -> Arc<Meta> {
        Arc::new(Meta::gauge(name, help))
    }

    /// The exporter's own series, counters among them, through [`Exposition::of`]: exactly
    /// what the general writer (the oracle) writes, in both formats.
    #[test]
    fn own_series_counters_included_are_written_as_the_general_writer_does() {
        let build = || {
            let mut fs = Families::default();
            let l = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            };
            for (api, outcome, n) in [("ListMetrics", "success", 3.0), ("GetMetricData", "", 7.0)] {
                fs.add(
                    "cw_exporter_api_calls_total",
                    || "AWS calls \\ made".into(),
                    Kind::Counter,
                    l(&[("api", api), ("outcome", outcome)]),
                    n,
                    None,
                );
            }
            fs.add(
                "cw_exporter_api_calls_total",
                || "ignored: the first help wins".into(),
                Kind::Counter,
                l(&[("api", "GetResources")]),
                1.0,
                None,
            );
            fs.add(
                "cw_exporter_up",
                || "up".into(),
                Kind::Gauge,
                l(&[]),
                1.0,
                None,
            );
            fs
        };
        let (fams, _) = build().finish();
        let ours = Exposition::of(build());
        assert_eq!(text(&ours), String::from_utf8(render_text(&fams)).unwrap());
        let want = String::from_utf8(render_openmetrics(&fams)).unwrap();
        assert_eq!(om(&ours), want.strip_suffix("# EOF\n").unwrap());
        assert!(om(&ours).starts_with("# TYPE cw_exporter_api_calls counter\n"));
    }

    fn text(e: &Exposition) -> String {
        String::from_utf8(e.to_vec(false)).unwrap()
    }

    fn om(e: &Exposition) -> String {
        String::from_utf8(e.to_vec(true)).unwrap()
    }

    /// The same samples through the general path, for comparison.
    fn general(lists: &[&[Series]]) -> (String, String, usize) {
        let mut fs = Families::default();
        for s in lists.iter().flat_map(|l| l.iter()) {
            let l: BTreeMap<String, String> = s
                .labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            fs.add(
                &s.meta.name,
                || s.meta.help.to_string(),
                Kind::Gauge,
                l,
                s.value,
                s.timestamp_ms,
            );
        }
        let (fams, dups) = fs.finish();
        let om = String::from_utf8(render_openmetrics(&fams)).unwrap();
        (
            String::from_utf8(render_text(&fams)).unwrap(),
            om.strip_suffix("# EOF\n").unwrap().to_string(),
            dups,
        )
    }

    #[test]
    fn random_families_label_sets_and_timestamps_match_the_general_path() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let metas: Vec<Arc<Meta>> = (0..5).map(|i| meta(&format!("aws_m{i}"), "h")).collect();
        // Label sets with different names: families end up with different name unions, and
        // the same set appears in several families.
        let sets: Vec<Labels> = (0..40)
            .map(|i| {
                let mut pairs = vec![("name", format!("arn:{}", i % 17))];
                if i % 3 != 0 {
                    pairs.push(("dimension_ServiceName", format!("s{}", i % 7)));
                }
                if i % 5 == 0 {
                    pairs.push(("tag_team", format!("t{}", i % 2)));
                }
                let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                labels(&refs)
            })
            .collect();
        for round in 0..20 {
            let lists: Vec<Vec<Series>> = (0..3)
                .map(|_| {
                    (0..next(60))
                        .map(|_| Series {
                            meta: metas[next(5) as usize].clone(),
                            labels: sets[next(40) as usize].clone(),
                            value: next(1000) as f64 / 8.0,
                            timestamp_ms: (round % 2 == 0 && next(2) == 0)
                                .then(|| 1_700_000_000_000 + next(4) as i64 * 60_000),
                        })
                        .collect()
                })
                .collect();
            let slices: Vec<&[Series]> = lists.iter().map(|l| l.as_slice()).collect();
            let built: Vec<List> = lists.iter().map(|l| List::from_series(l)).collect();
            let refs: Vec<&List> = built.iter().collect();
            let got = Renderer::default().prepare(&refs);
            let (want_text, want_om, dups) = general(&slices);
            assert_eq!(text(&got), want_text, "round {round}");
            assert_eq!(om(&got), want_om, "round {round}");
            assert_eq!(got.duplicates(), dups, "round {round}");
        }
    }

    #[test]
    fn a_large_family_is_written_in_several_chunks_and_still_matches() {
        let m = meta("aws_big", "Big");
        let samples: Vec<Series> = (0..3000)
            .map(|i| Series {
                meta: m.clone(),
                labels: labels(&[("name", &format!("arn:{i:05}"))]),
                value: f64::from(i) / 7.0,
                timestamp_ms: (i % 2 == 0).then_some(1_700_000_000_000 + i64::from(i)),
            })
            .collect();
        let got = Renderer::default().prepare(&[&List::from_series(&samples)]);
        // Header, then the rows in chunks.
        assert_eq!(
            got.chunks(false).count(),
            1 + 3000usize.div_ceil(ROWS_PER_CHUNK)
        );
        let (want_text, want_om, _) = general(&[&samples]);
        assert_eq!(text(&got), want_text);
        assert_eq!(om(&got), want_om);
    }

    #[test]
    fn equals_the_general_path_and_reuses_its_layout() {
        let (cpu, mem) = (
            meta("aws_cpu", "CPU \"x\"\nnext"),
            meta("aws_mem", "Memory"),
        );
        let svc = labels(&[("name", "arn:b"), ("dimension_ServiceName", "b\"q\\")]);
        let cluster = labels(&[("name", "arn:a")]);
        let other = labels(&[("name", "arn:a"), ("tag_Team", "x")]);
        let mut samples = vec![
            Series {
                meta: cpu.clone(),
                labels: svc.clone(),
                value: 1.5,
                timestamp_ms: None,
            },
            Series {
                meta: mem.clone(),
                labels: svc.clone(),
                value: f64::NAN,
                timestamp_ms: None,
            },
            Series {
                meta: cpu.clone(),
                labels: cluster.clone(),
                value: 1234567.0,
                timestamp_ms: None,
            },
            // The same labels again: dropped as a duplicate.
            Series {
                meta: cpu.clone(),
                labels: labels(&[("name", "arn:a")]),
                value: 9.0,
                timestamp_ms: None,
            },
        ];
        let second = vec![
            Series {
                meta: mem.clone(),
                labels: other.clone(),
                value: 0.000012,
                timestamp_ms: Some(1_700_000_000_123),
            },
            Series {
                meta: mem.clone(),
                labels: other.clone(),
                value: 2.0,
                timestamp_ms: Some(1_700_000_060_000),
            },
        ];
        let mut r = Renderer::default();
        let (mut first, mut stamped) = (List::from_series(&samples), List::from_series(&second));
        let got = r.prepare(&[&first, &stamped]);
        let (want_text, want_om, dups) = general(&[&samples, &second]);
        assert!(got.rebuilt);
        assert_eq!(text(&got), want_text);
        assert_eq!(om(&got), want_om);
        assert_eq!((got.duplicates(), dups), (1, 1));
        // New values, same rows: the layout is reused and the output still matches.
        samples[0].value = -0.25;
        samples[2].value = f64::INFINITY;
        first.values = samples.iter().map(|s| s.value).collect();
        let got = r.prepare(&[&first, &stamped]);
        assert!(!got.rebuilt);
        let (want_text, want_om, _) = general(&[&samples, &second]);
        assert_eq!(text(&got), want_text);
        assert_eq!(om(&got), want_om);
        // New timestamps: rebuilt.
        stamped.timestamps[1] = Some(1_700_000_120_000);
        assert!(r.prepare(&[&first, &stamped]).rebuilt);
        assert!(!r.prepare(&[&first, &stamped]).rebuilt);
        // New rows (a new Arc, even with equal content) rebuild it.
        samples[1].labels = labels(&[("name", "arn:c")]);
        let got = r.prepare(&[&List::from_series(&samples), &List::from_series(&second)]);
        assert!(got.rebuilt);
        assert_eq!(text(&got), general(&[&samples, &second]).0);
        assert!(r.prepare(&[]).to_vec(false).is_empty());
    }
}
