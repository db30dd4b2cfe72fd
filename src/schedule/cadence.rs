//! Cadence groups: how often each job metric is collected, and which groups are due when.
//!
//! Time is counted in whole seconds from the schedule's start. A group of interval `g` is due at
//! every multiple of `g`, so groups whose intervals divide one another fall due at the same
//! moments and are fetched in the same calls. The collector and `plan` both use these
//! functions, so what `plan` counts is what the collector does.

use crate::config::Job;

/// The collection interval of every job metric.
#[derive(Clone, Debug)]
pub struct Cadence {
    /// Per job, per metric, in seconds.
    of: Vec<Vec<u64>>,
    /// Per job, its distinct intervals, ascending (asked for every job every cycle).
    groups: Vec<Vec<u64>>,
    /// The distinct intervals, ascending.
    intervals: Vec<u64>,
}

/// The intervals (groups) due at one moment, ascending.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Due(Vec<u64>);

impl Due {
    /// Whether the group of `interval` is due.
    pub fn contains(&self, interval: u64) -> bool {
        self.0.binary_search(&interval).is_ok()
    }

    /// Whether nothing is due.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The intervals due, ascending.
    pub fn intervals(&self) -> &[u64] {
        &self.0
    }
}

impl Cadence {
    /// `base` (seconds, ≥ 1) is `--scraping-interval`: the interval of metrics that set none.
    pub fn new(jobs: &[Job], base: u64) -> Cadence {
        let base = base.max(1);
        let of: Vec<Vec<u64>> = jobs
            .iter()
            .map(|j| {
                j.metrics
                    .iter()
                    .map(|m| m.collection_interval.map_or(base, u64::from).max(1))
                    .collect()
            })
            .collect();
        // A job with no metrics (only enhanced ones) has one group: its own
        // collectionInterval, else the base interval.
        let groups: Vec<Vec<u64>> = of
            .iter()
            .zip(jobs)
            .map(|(per_metric, job)| {
                let mut v = per_metric.clone();
                if v.is_empty() {
                    v.push(job.collection_interval.map_or(base, u64::from).max(1));
                }
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        // Only intervals some job has: a flag interval no metric uses is no moment to wake.
        let mut intervals: Vec<u64> = groups.iter().flatten().copied().collect();
        if intervals.is_empty() {
            intervals.push(base);
        }
        intervals.sort_unstable();
        intervals.dedup();
        Cadence {
            of,
            groups,
            intervals,
        }
    }

    /// The interval of a job's metric.
    pub fn of(&self, job: usize, metric: usize) -> u64 {
        self.of[job][metric]
    }

    /// The group a job's `aws_<ns>_info` series (and enhanced metrics) go with: its most
    /// frequent one, so a resource appears as soon as any of its metrics can.
    pub fn info(&self, job: usize) -> u64 {
        self.groups[job][0]
    }

    /// The distinct intervals of a job's metrics, ascending.
    pub fn of_job(&self, job: usize) -> &[u64] {
        &self.groups[job]
    }

    /// Every interval some metric has, ascending (`--scraping-interval` alone when there are no
    /// metrics).
    pub fn intervals(&self) -> &[u64] {
        &self.intervals
    }

    /// Whether any group of `job` is due.
    pub fn job_due(&self, job: usize, due: &Due) -> bool {
        self.groups[job].iter().any(|g| due.contains(*g))
    }

    /// The groups due `offset` seconds after the start.
    pub fn due_at(&self, offset: u64) -> Due {
        Due(self
            .intervals
            .iter()
            .copied()
            .filter(|g| offset.is_multiple_of(*g))
            .collect())
    }

    /// The first moment after `offset` at which some group is due.
    pub fn next_after(&self, offset: u64) -> u64 {
        self.intervals
            .iter()
            .map(|g| (offset / g + 1) * g)
            .min()
            .expect("at least the base interval")
    }
}

/// Whether a (role, region) touched at `offset` is discovered again: never discovered, or its
/// last complete discovery (at `last`) is at least `max_age` seconds old.
pub fn rediscover(last: Option<u64>, offset: u64, max_age: u64) -> bool {
    last.is_none_or(|at| offset.saturating_sub(at) >= max_age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_str;
    use std::path::Path;

    fn jobs() -> Vec<Job> {
        parse_str(
            r#"apiVersion: v1alpha1
discovery:
  jobs:
  - type: AWS/ECS
    regions: [eu-west-1]
    collectionInterval: 3600
    metrics:
    - {name: CPUUtilization, statistics: [Average]}
    - {name: MemoryUtilization, statistics: [Average], collectionInterval: 120}
  - type: AWS/ECS
    regions: [eu-west-1]
    metrics:
    - {name: CPUUtilization, statistics: [Maximum]}
"#,
            Path::new("c.yml"),
            true,
        )
        .unwrap()
        .config
        .jobs
    }

    #[test]
    fn a_metric_takes_its_own_interval_else_its_jobs_else_the_flag() {
        let c = Cadence::new(&jobs(), 60);
        assert_eq!((c.of(0, 0), c.of(0, 1), c.of(1, 0)), (3600, 120, 60));
        assert_eq!(c.intervals(), &[60, 120, 3600]);
        assert_eq!(c.of_job(0), &[120, 3600]);
        assert_eq!(c.info(0), 120);
    }

    #[test]
    fn groups_fall_due_at_the_multiples_of_their_interval_together() {
        let c = Cadence::new(&jobs(), 60);
        assert_eq!(c.due_at(0).intervals(), &[60, 120, 3600]);
        assert_eq!(c.due_at(60).intervals(), &[60]);
        assert_eq!(c.due_at(240).intervals(), &[60, 120]);
        assert_eq!(c.due_at(7200).intervals(), &[60, 120, 3600]);
        assert!(c.due_at(30).is_empty());
        assert_eq!(c.next_after(0), 60);
        assert_eq!(c.next_after(59), 60);
        assert_eq!(c.next_after(60), 120);
        // A job is due when any of its metrics is.
        assert!(c.job_due(0, &c.due_at(120)));
        assert!(!c.job_due(0, &c.due_at(60)));

        // Intervals that do not divide each other: each keeps its own multiples.
        let only = Cadence::new(&[], 7);
        assert_eq!(only.next_after(13), 14);
    }

    #[test]
    fn discovery_is_reused_until_it_is_max_age_old() {
        assert!(rediscover(None, 0, 600));
        assert!(!rediscover(Some(0), 300, 600));
        assert!(rediscover(Some(0), 600, 600));
        assert!(rediscover(Some(300), 300, 0));
    }
}
