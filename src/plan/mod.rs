//! The query plan: a pure function from targets and the time to GetMetricData calls.
//!
//! Within one (role, region), identical queries (namespace, metric, dimensions, statistic,
//! period) are requested once, whichever jobs want them; each gets the union of the windows its
//! requesters want, and each requester later reads only its own window. Queries are packed
//! ≤ `per_call` to a call. Calls may mix periods and windows: a call's window is the union of
//! its queries' windows, with its start aligned so every period's buckets line up.

use std::collections::HashMap;

use crate::aws::MetricQuery;
use crate::config::Job;
use crate::discovery::Target;
use crate::model::Dim;

/// The window `[start, end)` a metric entry wants at `now`: `[now−length−delay, now−delay]`
/// with the end truncated to the period.
pub fn window(now: i64, period: u32, length: u32, delay: u32) -> (i64, i64) {
    let p = i64::from(period.max(1));
    let end = (now - i64::from(delay)).div_euclid(p) * p;
    (end - i64::from(length), end)
}

/// Where one (target, statistic) finds its datapoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Index of the call in the plan's `calls`.
    pub call: u32,
    /// Index of the query in that call.
    pub query: u32,
    /// Start of the target's own window, in Unix seconds (the call's may be wider).
    pub start: i64,
    /// End of the target's own window (exclusive), in Unix seconds.
    pub end: i64,
}

/// A query of a call, by reference: the target (index into the targets planned) and the
/// statistic (index into its metric's statistics). Materialised into a [`MetricQuery`] only
/// when the call is made, so a plan of 100k queries holds no strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryRef {
    /// Index into the targets planned.
    pub target: u32,
    /// Index into the target's metric's statistics.
    pub stat: u32,
    /// Every requester reads only the newest datapoint of one same window end, so the others
    /// need not be kept (at 100k queries of an hour's 5-minute points, they were 12 times the
    /// memory).
    pub newest_only: bool,
}

/// One GetMetricData call: a time range and the queries it asks for.
#[derive(Clone, Debug)]
pub struct Call {
    /// Start of the range, in Unix seconds: the queries' earliest start, aligned to their
    /// periods.
    pub start: i64,
    /// End of the range, in Unix seconds: the queries' latest end.
    pub end: i64,
    /// The queries, at most `per_call` of them.
    pub queries: Vec<QueryRef>,
}

impl Call {
    /// The call's queries as the AWS layer takes them; ids are `q<index>`.
    pub fn metric_queries(&self, jobs: &[Job], targets: &[Target]) -> Vec<MetricQuery> {
        self.queries
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let t = &targets[r.target as usize];
                let job = &jobs[t.job];
                let m = &job.metrics[t.metric];
                MetricQuery {
                    id: format!("q{i}"),
                    namespace: job.namespace.clone(),
                    metric: m.name.clone(),
                    dimensions: t.dimensions.clone(),
                    statistic: m.statistics[r.stat as usize].clone(),
                    period: m.period,
                    newest_only: r.newest_only,
                    account: t.account.clone(),
                }
            })
            .collect()
    }
}

/// The GetMetricData calls for the targets of one (role, region), and where each target's
/// datapoints are in them.
#[derive(Debug, Default)]
pub struct Plan {
    /// The calls to make.
    pub calls: Vec<Call>,
    /// One slot per statistic of each target's metric, target after target (flat: one
    /// allocation instead of one per target).
    slots: Vec<Slot>,
    /// Where each target's slots start in `slots`.
    first: Vec<u32>,
}

impl Plan {
    /// The slots of `targets[i]`, one per statistic of its metric, in the metric's order.
    pub fn slots(&self, target: usize) -> &[Slot] {
        let start = self.first[target] as usize;
        let end = self
            .first
            .get(target + 1)
            .map_or(self.slots.len(), |e| *e as usize);
        &self.slots[start..end]
    }

    /// How many queries the calls make, all together.
    pub fn queries(&self) -> usize {
        self.calls.iter().map(|c| c.queries.len()).sum()
    }
}

/// Greatest common divisor (for lcms of periods and of intervals).
pub(crate) fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Plans the calls for the targets of one (role, region).
pub fn plan(jobs: &[Job], targets: &[Target], now: i64, per_call: usize) -> Plan {
    plan_some(jobs, targets, now, per_call, |_, w| Some(w))
}

/// Plans the calls for the targets `select` gives a window: it sees each target with the
/// window its metric's config asks for at `now`, and answers None (not due: no queries, no
/// slots) or the window to fetch (in window mode, the time since the last poll).
pub fn plan_some(
    jobs: &[Job],
    targets: &[Target],
    now: i64,
    per_call: usize,
    select: impl Fn(&Target, (i64, i64)) -> Option<(i64, i64)>,
) -> Plan {
    let per_call = per_call.clamp(1, 500);
    // Small keys, because this runs every cycle over every target (100k at W3): a dimension set
    // is numbered once per distinct `Arc` (discovery shares them, so there are about as many
    // as resources), by its sorted content; a metric is (namespace, name, dimension set, owning
    // account) and numbered in first-seen order; a query is (metric, statistic, period).
    // (Numbers, not strings, in the two big maps: at 100k queries their tables were the peak
    // of a cycle's memory.)
    let mut dims_by_ptr: HashMap<*const Dim, u32> = HashMap::new();
    let mut dims_by_content: HashMap<Vec<&Dim>, u32> = HashMap::new();
    let mut names: HashMap<(&str, &str), u32> = HashMap::new();
    let mut stats: HashMap<&str, u32> = HashMap::new();
    let mut owners: HashMap<Option<&str>, u32> = HashMap::new();
    let mut metrics: HashMap<(u32, u32, u32), u32> = HashMap::with_capacity(targets.len());
    let mut queries: HashMap<(u32, u32, u32), u32> = HashMap::with_capacity(targets.len());
    // Per unique query: the query, its period, its union window, its metric's number.
    let mut unique: Vec<(QueryRef, u32, i64, i64, u32)> = Vec::new();
    // Per target and statistic, the unique query it reads (in `query`, until packed) and its
    // own window.
    let mut slots: Vec<Slot> = Vec::new();
    let mut first: Vec<u32> = Vec::with_capacity(targets.len());

    for (ti, t) in targets.iter().enumerate() {
        first.push(slots.len() as u32);
        let job = &jobs[t.job];
        let m = &job.metrics[t.metric];
        let Some((start, end)) = select(t, window(now, m.period, m.length, m.delay)) else {
            continue;
        };
        let dims = *dims_by_ptr.entry(t.dimensions.as_ptr()).or_insert_with(|| {
            let mut sorted: Vec<&Dim> = t.dimensions.iter().collect();
            sorted.sort();
            let next = dims_by_content.len() as u32;
            *dims_by_content.entry(sorted).or_insert(next)
        });
        let next = names.len() as u32;
        let name = *names
            .entry((job.namespace.as_str(), m.name.as_str()))
            .or_insert(next);
        // A linked account's series is another metric than the same one of the caller's.
        let next = owners.len() as u32;
        let owner = *owners.entry(t.account.as_deref()).or_insert(next);
        let next = metrics.len() as u32;
        let metric = *metrics.entry((name, dims, owner)).or_insert(next);
        for (si, stat) in m.statistics.iter().enumerate() {
            let next = stats.len() as u32;
            let stat = *stats.entry(stat.as_str()).or_insert(next);
            let q = *queries.entry((metric, stat, m.period)).or_insert_with(|| {
                let r = QueryRef {
                    target: ti as u32,
                    stat: si as u32,
                    newest_only: true,
                };
                unique.push((r, m.period, start, end, metric));
                (unique.len() - 1) as u32
            });
            let u = &mut unique[q as usize];
            if m.export_all_data_points || u.3 != end {
                u.0.newest_only = false;
            }
            u.2 = u.2.min(start);
            u.3 = u.3.max(end);
            slots.push(Slot {
                call: u32::MAX,
                query: q,
                start,
                end,
            });
        }
    }
    drop((
        dims_by_ptr,
        dims_by_content,
        names,
        owners,
        stats,
        metrics,
        queries,
    ));

    // Pack in first-seen order of metrics, each metric's statistics side by side: deterministic,
    // a job's queries stay together, and a call boundary splits at most one metric's
    // statistics (should AWS bill up to five statistics of one metric in one request as one,
    // see `aws::accounting::Requested`).
    let mut order: Vec<u32> = (0..unique.len() as u32).collect();
    order.sort_by_key(|&q| unique[q as usize].4);
    let mut calls = Vec::new();
    let mut location = vec![(0u32, 0u32); unique.len()];
    for (chunk_no, chunk) in order.chunks(per_call).enumerate() {
        let mut lcm: u64 = 1;
        let (mut start, mut end) = (i64::MAX, i64::MIN);
        let mut queries = Vec::with_capacity(chunk.len());
        for (i, &u) in chunk.iter().enumerate() {
            let (q, period, s, e, _) = &unique[u as usize];
            let p = u64::from((*period).max(1));
            lcm = (lcm / gcd(lcm, p) * p).min(86_400);
            start = start.min(*s);
            end = end.max(*e);
            queries.push(*q);
            location[u as usize] = (chunk_no as u32, i as u32);
        }
        // A query whose own window ends before the call's would have its newest point in the
        // call's last, partial period, outside every requester's window: it keeps all its
        // points, and each requester reads its own window's newest.
        for (q, &u) in queries.iter_mut().zip(chunk) {
            if unique[u as usize].3 != end {
                q.newest_only = false;
            }
        }
        let lcm = lcm as i64;
        start = start.div_euclid(lcm) * lcm;
        calls.push(Call {
            start,
            end,
            queries,
        });
    }
    for slot in &mut slots {
        (slot.call, slot.query) = location[slot.query as usize];
    }
    Plan {
        calls,
        slots,
        first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{self, jobs};

    fn target(job: usize, metric: usize, cluster: &str) -> Target {
        test_support::target(job, metric, "ClusterName", cluster)
    }

    const TWO_JOBS: &str = r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics:
    - {name: CPUUtilization, statistics: [Average, Maximum], period: 60, length: 300}
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics:
    - {name: CPUUtilization, statistics: [Average], period: 60, length: 600}
    - {name: MemoryUtilization, statistics: [Average], period: 300, length: 300, delay: 120}
"#;

    #[test]
    fn a_query_whose_window_ends_before_its_calls_keeps_all_its_points() {
        // A 300 s metric and a 60 s one in one call: the call ends at the 60 s window's end,
        // after the 300 s window's, so the 300 s query's newest point would fall outside it.
        let js = jobs(
            "apiVersion: v1alpha1
discovery:
  jobs:
    - type: AWS/ECS
      regions: [eu-west-1]
      metrics:
        - {name: Slow, statistics: [Average], period: 300, length: 3600}
        - {name: Fast, statistics: [Average], period: 60, length: 300}
",
        );
        let targets = vec![target(0, 0, "a"), target(0, 1, "a")];
        let now = 1_000_120; // 220 s past a 300 s boundary
        let p = plan(&js, &targets, now, 500);
        assert_eq!(p.calls.len(), 1);
        let c = &p.calls[0];
        assert_eq!(c.end, 1_000_080, "the 60 s window's end");
        let slow = p.slots(0)[0];
        assert_eq!(slow.end, 999_900);
        assert!(!c.queries[slow.query as usize].newest_only);
        let fast = p.slots(1)[0];
        assert!(c.queries[fast.query as usize].newest_only);
    }

    #[test]
    fn windows_are_aligned_to_the_period() {
        assert_eq!(window(1_000_000, 300, 3600, 0), (999_900 - 3600, 999_900));
        assert_eq!(window(1_000_000, 60, 300, 120), (999_840 - 300, 999_840));
    }

    #[test]
    fn identical_queries_across_jobs_are_fetched_once_with_the_union_window() {
        let js = jobs(TWO_JOBS);
        let targets = vec![target(0, 0, "a"), target(1, 0, "a"), target(1, 1, "a")];
        let now = 1_000_000;
        let p = plan(&js, &targets, now, 500);
        // CPU Average shared; CPU Maximum; Memory Average.
        assert_eq!(p.queries(), 3);
        assert_eq!(p.calls.len(), 1);
        let c = &p.calls[0];
        let qs = c.metric_queries(&js, &targets);
        assert_eq!(qs[0].statistic, "Average");
        assert_eq!(qs[1].statistic, "Maximum");
        assert_eq!(qs[2].metric, "MemoryUtilization");
        // Job 0 reads its own 300 s window of the shared query, job 1 its 600 s one.
        assert_eq!(p.slots(0)[0].query, 0);
        assert_eq!(p.slots(1)[0].query, 0);
        assert_eq!(p.slots(0)[0].end - p.slots(0)[0].start, 300);
        assert_eq!(p.slots(1)[0].end - p.slots(1)[0].start, 600);
        // The call covers every window, its start aligned for both periods.
        assert!(c.start <= p.slots(1)[0].start && c.start % 300 == 0);
        assert_eq!(c.end, window(now, 60, 600, 0).1);
    }

    #[test]
    fn only_queries_read_at_one_window_end_keep_just_their_newest_point() {
        let js = jobs(
            r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics:
    - {name: CPUUtilization, statistics: [Average], period: 60, length: 300}
    - {name: MemoryUtilization, statistics: [Average], period: 60, length: 300}
    - {name: NetworkRxBytes, statistics: [Sum], period: 60, length: 300, exportAllDataPoints: true, addCloudwatchTimestamp: true}
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics:
    - {name: CPUUtilization, statistics: [Average], period: 60, length: 600}
    - {name: MemoryUtilization, statistics: [Average], period: 60, length: 300, delay: 120}
"#,
        );
        let targets = vec![
            target(0, 0, "a"),
            target(0, 1, "a"),
            target(0, 2, "a"),
            target(1, 0, "a"),
            target(1, 1, "a"),
        ];
        let p = plan(&js, &targets, 1_000_000, 500);
        let newest: Vec<(String, bool)> = p.calls[0]
            .metric_queries(&js, &targets)
            .into_iter()
            .map(|q| (q.metric, q.newest_only))
            .collect();
        assert_eq!(
            newest,
            vec![
                // Two requesters, one window end: the newest point serves both.
                ("CPUUtilization".to_string(), true),
                // Two window ends: each requester needs the newest point of its own window.
                ("MemoryUtilization".to_string(), false),
                ("NetworkRxBytes".to_string(), false),
            ]
        );
    }

    #[test]
    fn queries_are_packed_by_the_limit() {
        let js = jobs(TWO_JOBS);
        let targets: Vec<Target> = (0..1200).map(|i| target(1, 0, &format!("c{i}"))).collect();
        let p = plan(&js, &targets, 1_000_000, 500);
        assert_eq!(
            p.calls.iter().map(|c| c.queries.len()).collect::<Vec<_>>(),
            vec![500, 500, 200]
        );
        assert_eq!(
            p.slots(1199)[0],
            Slot {
                call: 2,
                query: 199,
                start: p.slots(0)[0].start,
                end: p.slots(0)[0].end
            }
        );
        // Ids are unique within a call and valid CloudWatch ids.
        let qs = p.calls[0].metric_queries(&js, &targets);
        let ids: std::collections::HashSet<_> = qs.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids.len(), 500);
        assert!(qs.iter().all(|q| q.id.starts_with('q')));
        let p = plan(&js, &targets, 1_000_000, 100);
        assert_eq!(p.calls.len(), 12);
    }

    #[test]
    fn the_statistics_of_one_metric_are_side_by_side_whichever_jobs_ask() {
        let js = jobs(TWO_JOBS);
        // Job 0 asks CPU Average and Maximum of a and b, job 1 CPU Average of c and Memory of a.
        let targets = vec![
            target(0, 0, "a"),
            target(1, 1, "a"),
            target(0, 0, "b"),
            target(1, 0, "c"),
        ];
        let p = plan(&js, &targets, 1_000_000, 3);
        let order: Vec<(String, String, String)> = p
            .calls
            .iter()
            .flat_map(|c| c.metric_queries(&js, &targets))
            .map(|q| (q.metric, q.dimensions[0].value.clone(), q.statistic))
            .collect();
        let want = [
            ("CPUUtilization", "a", "Average"),
            ("CPUUtilization", "a", "Maximum"),
            ("MemoryUtilization", "a", "Average"),
            ("CPUUtilization", "b", "Average"),
            ("CPUUtilization", "b", "Maximum"),
            ("CPUUtilization", "c", "Average"),
        ];
        assert_eq!(
            order,
            want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        );
        // Each target finds its own statistics wherever they were packed.
        let qs: Vec<Vec<_>> = p
            .calls
            .iter()
            .map(|c| c.metric_queries(&js, &targets))
            .collect();
        for (ti, t) in targets.iter().enumerate() {
            for (si, slot) in p.slots(ti).iter().enumerate() {
                let q = &qs[slot.call as usize][slot.query as usize];
                let m = &js[t.job].metrics[t.metric];
                assert_eq!((&q.metric, &q.statistic), (&m.name, &m.statistics[si]));
                assert_eq!(q.dimensions, t.dimensions);
            }
        }
    }

    #[test]
    fn targets_not_wanted_get_no_queries_and_no_slots() {
        let js = jobs(TWO_JOBS);
        let targets = vec![target(0, 0, "a"), target(1, 0, "a"), target(1, 1, "a")];
        let p = plan_some(&js, &targets, 1_000_000, 500, |t, w| {
            (t.job == 1).then_some(w)
        });
        assert_eq!(p.queries(), 2);
        assert!(p.slots(0).is_empty());
        assert_eq!(p.slots(1)[0].query, 0);
        assert_eq!(p.slots(2)[0].query, 1);
        // The window of the call is the wanted targets' only.
        assert_eq!(p.calls[0].end, window(1_000_000, 60, 600, 0).1);
        let none = plan_some(&js, &targets, 1_000_000, 500, |_, _| None);
        assert!(none.calls.is_empty());
        assert!(none.slots(2).is_empty());
    }
}
