//! The schedule: which cadence groups are due when, when a discovery is old enough to run
//! again, and which window each metric's next collection reads. Pure functions of the config
//! and the clock, shared by the collector and the cost report, so `plan` counts what the
//! collector does.

pub mod cadence;
pub mod window_mode;

use std::time::Duration;

use crate::config::Job;

/// How long the discovery of a (role, region) may be reused: the shortest `discoveryInterval`
/// of its jobs, `default` (the flag) for jobs without one.
pub fn discovery_age(jobs: &[Job], job_ids: &[usize], default: Duration) -> Duration {
    job_ids
        .iter()
        .map(|&j| {
            jobs[j]
                .discovery_interval
                .map_or(default, |s| Duration::from_secs(u64::from(s)))
        })
        .min()
        .unwrap_or(default)
}
