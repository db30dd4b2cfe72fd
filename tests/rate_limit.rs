//! The client-side rate limiter, observed where the calls arrive: a config that would make
//! calls as fast as moto answers is paced to the configured calls per second.

use crate::common;
use common::fault_proxy::{FaultProxy, Seen};
use common::*;
use std::time::{Duration, Instant};

/// The most calls of `action` that arrived within any one second.
fn busiest_second(seen: &[Seen], action: &str) -> usize {
    let at: Vec<Instant> = seen
        .iter()
        .filter(|s| s.action == action)
        .map(|s| s.at)
        .collect();
    at.iter()
        .map(|t0| {
            at.iter()
                .filter(|t| **t >= *t0 && **t < *t0 + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn span(seen: &[Seen], action: &str) -> (usize, Duration) {
    let at: Vec<Instant> = seen
        .iter()
        .filter(|s| s.action == action)
        .map(|s| s.at)
        .collect();
    (at.len(), *at.last().unwrap() - at[0])
}

#[test]
fn calls_are_paced_per_api() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let proxy = FaultProxy::start(&moto.url);
    let exp = exporter_through(
        &proxy,
        &moto,
        &[
            "--config.file=examples/seed-config.yml",
            "--aws.rate-limit=ListMetrics=4",
            "--aws.rate-limit=GetMetricData=3",
            // ~72 queries: 8 GetMetricData calls per cycle.
            "--metrics-per-query=10",
        ],
    );
    let seen = proxy.seen();
    // The seed's config lists 16 metric names: 16 ListMetrics at 4/s span at least 3.75 s.
    let (n, d) = span(&seen, "ListMetrics");
    assert_eq!(n, 16);
    assert!(d >= Duration::from_millis(3400), "16 ListMetrics in {d:?}");
    // One slot of arrival jitter allowed on top of the limit.
    assert!(busiest_second(&seen, "ListMetrics") <= 5);
    let (n, d) = span(&seen, "GetMetricData");
    assert!(n >= 8, "{n} GetMetricData");
    assert!(
        d >= Duration::from_secs_f64((n - 1) as f64 / 3.0 * 0.9),
        "{n} GetMetricData in {d:?}"
    );
    assert!(busiest_second(&seen, "GetMetricData") <= 4);
    // The waits are visible.
    let lines = parse(&exp.metrics());
    for api in ["ListMetrics", "GetMetricData"] {
        let waited: f64 = named(&lines, "cw_exporter_rate_limit_wait_seconds_total")
            .iter()
            .filter(|l| l.label("api") == Some(api))
            .map(|l| l.value)
            .sum();
        assert!(waited > 1.0, "{api} waited {waited}s");
    }
}
