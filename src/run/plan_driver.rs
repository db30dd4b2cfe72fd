//! The `plan` subcommand's driver: discovery once (or the user's counts), then the collector's
//! own planner and the cost report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::Settings;
use crate::aws::{Accounting, Api, Aws, RateLimits, Sessions};
use crate::config::{self, Severity};
use crate::cost::{self, Report};
use crate::discovery;
use crate::schedule::cadence::Cadence;

/// Why `plan` could not make its report.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The config could not be read or is invalid.
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    /// A role's credentials or account could not be had.
    #[error("{0}")]
    Aws(#[from] crate::aws::AwsError),
    /// A job's discovery failed: the report would leave it out.
    #[error("discovery for {job} failed: {error}")]
    Discovery {
        /// The job, as the config names it.
        job: String,
        /// Why.
        error: std::sync::Arc<crate::aws::AwsError>,
    },
}

/// Runs discovery once (or, with `offline`, assumes that many series per metric) and reports
/// what the config will cost. Warnings go to stderr.
pub async fn plan(settings: &Settings, offline: Option<usize>) -> Result<Report, PlanError> {
    for note in &settings.notes {
        note.log();
    }
    let file = &settings.config_file;
    let loaded = config::load(file, false)?;
    for w in loaded
        .warnings
        .iter()
        .filter(|w| w.severity == Severity::Warning)
    {
        eprintln!("{}", w.display(file));
    }
    let jobs = loaded.config.jobs;
    let mut scopes = Vec::new();
    let default_age = Duration::from_secs(settings.discovery_interval);
    let age = |ids: &[usize]| crate::schedule::discovery_age(&jobs, ids, default_age).as_secs();
    match offline {
        Some(n) => {
            for ((_, region), ids) in discovery::scopes(&jobs) {
                let (targets, estimated) = discovery::assumed(&jobs, &ids, n);
                scopes.push(cost::Scope {
                    region,
                    jobs: ids.clone(),
                    targets,
                    discovery_calls: estimated
                        .into_iter()
                        .map(|(api, c)| (api.to_string(), c))
                        .collect(),
                    discovery_interval_seconds: age(&ids),
                });
            }
        }
        None => {
            let acc = Arc::new(Accounting::default());
            let aws = Aws::new(
                loaded.config.sts_region.clone(),
                acc.clone(),
                Arc::new(RateLimits::new(&settings.rate_limits)),
                // The plan needs no account alias: no IAM call.
                &crate::aws::Options {
                    alias_lookup: false,
                    ..settings.aws_options()
                },
            )
            .await;
            // The account id is looked up once per role for the process, not per discovery.
            let totals = || -> BTreeMap<String, u64> {
                let mut m = BTreeMap::new();
                for (k, n) in acc.calls() {
                    if k.api != "GetCallerIdentity" {
                        *m.entry(k.api.to_string()).or_default() += n;
                    }
                }
                m
            };
            for ((role, region), ids) in discovery::scopes(&jobs) {
                let session = aws.session(&role, &region).await?;
                let before = totals();
                let found =
                    discovery::discover(&session, &jobs, &ids, settings.always_info_metrics).await;
                let found = settings
                    .shard
                    .keep(found, &jobs, session.account(), &region);
                if let Some((j, e)) = found.failed.first() {
                    return Err(PlanError::Discovery {
                        job: jobs[*j].label.clone(),
                        error: e.clone(),
                    });
                }
                let discovery_calls = totals()
                    .into_iter()
                    .map(|(api, n)| (api.clone(), n - before.get(&api).copied().unwrap_or(0)))
                    .filter(|(_, n)| *n > 0)
                    .collect();
                scopes.push(cost::Scope {
                    region: region.clone(),
                    jobs: ids.clone(),
                    targets: found.targets,
                    discovery_calls,
                    discovery_interval_seconds: age(&ids),
                });
            }
        }
    }
    let cadence = Cadence::new(&jobs, settings.scraping_interval);
    let report = cost::report(
        &jobs,
        &scopes,
        settings.metrics_per_query,
        &cadence,
        &RateLimits::new(&settings.rate_limits),
    );
    let mut report = report;
    if settings.shard.is_sharded() {
        report.shard = Some(settings.shard);
    }
    for w in timeout_warnings(&report, settings.cycle_timeout()) {
        eprintln!("warning: {w}");
    }
    Ok(report)
}

/// What in the report cannot fit in `--collection-timeout`.
fn timeout_warnings(r: &Report, timeout: Duration) -> Vec<String> {
    let t = timeout.as_secs_f64();
    let mut out = Vec::new();
    if let Some(d) = r.discovery_seconds_at_rate_limit.filter(|d| *d > t) {
        out.push(format!(
            "one discovery takes at least {d:.0} s at the client-side rate limits, more than --collection-timeout ({t:.0} s): collections fail until it finishes (it goes on across cycles, for at most {} timeouts)",
            crate::collect::DISCOVERY_DEADLINE_CYCLES
        ));
    }
    if let Some(c) = r.first_cycle_seconds_at_rate_limit.filter(|c| *c > t) {
        out.push(format!(
            "a full cycle's GetMetricData calls take at least {c:.0} s at the client-side rate limits, more than --collection-timeout ({t:.0} s): raise the timeout or the GetMetricData rate"
        ));
    }
    out
}
