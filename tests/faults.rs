//! Through a fault-injecting proxy in front of moto: throttling, 5xx, latency, resets and
//! truncated bodies on most calls for several cycles. Every scrape is answered, the health
//! series say what happened, and the first clean cycle recovers without a restart.

use crate::common;
use common::fault_proxy::{Fault, FaultProxy};
use common::*;
use std::time::{Duration, Instant};

fn completed_cycles(lines: &[Line]) -> usize {
    // The last-success timestamps move once per successful cycle; count cycles by the
    // GetMetricData calls made, whatever their outcome.
    sum_where(lines, "cw_exporter_api_calls_total", |l| {
        l.label("api") == Some("GetMetricData")
    }) as usize
}

#[test]
fn most_calls_failing_for_several_cycles_then_recovery() {
    let moto = Moto::start();
    let expected = moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let services = expected["services"].as_object().unwrap().len();
    let proxy = FaultProxy::start(&moto.url);
    let exp = exporter_through(
        &proxy,
        &moto,
        &[
            "--config.file=examples/seed-config.yml",
            "--scraping-interval=2",
            "--aws.timeout=6",
            "--failed-series-retention=600",
        ],
    );
    let healthy = parse(&exp.metrics());
    assert_eq!(
        named(
            &healthy,
            "aws_ecs_containerinsights_running_task_count_average"
        )
        .len(),
        services
    );

    // In steady state a cycle is one GetMetricData call of up to 3 attempts. Six of every nine
    // attempts fail, each in its own way: one cycle fails outright (three faults in a row),
    // two succeed on a retry, one is clean. A latency above the per-attempt timeout
    // (--aws.timeout / 3) is a timeout.
    proxy.set(&[
        Fault::Throttle(None),
        Fault::Internal,
        Fault::Unavailable,
        Fault::Reset,
        Fault::Pass,
        Fault::Truncate,
        Fault::Latency(2500),
        Fault::Pass,
        Fault::Pass,
    ]);
    let faults_from = proxy.seen().len();
    let cycles_before = completed_cycles(&healthy);
    let start = Instant::now();
    let mut scrapes = 0;
    let mut saw_failure = false;
    loop {
        let t = Instant::now();
        let (status, body) = get(&format!("{}/metrics", exp.url));
        assert_eq!(status, 200, "a scrape went unanswered during the faults");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "a scrape waited on AWS: {:?}",
            t.elapsed()
        );
        scrapes += 1;
        let lines = parse(&body);
        saw_failure |= named(&lines, "cw_exporter_collection_success")
            .iter()
            .any(|l| l.value == 0.0);
        // Series are kept (retention) whatever the cycle's fate.
        assert_eq!(
            named(
                &lines,
                "aws_ecs_containerinsights_running_task_count_average"
            )
            .len(),
            services
        );
        if completed_cycles(&lines) >= cycles_before + 5 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "five cycles never completed:\n{}",
            exp.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let seen = proxy.seen();
    let faulted = seen[faults_from..]
        .iter()
        .filter(|s| s.fault != Fault::Pass)
        .count();
    let total = seen.len() - faults_from;
    assert!(
        faulted * 10 >= total * 3,
        "only {faulted} of {total} calls failed"
    );
    assert!(scrapes > 10);

    // What the health series say about those cycles.
    let lines = parse(&exp.metrics());
    let attempt_errors = |code: &str| {
        sum_where(&lines, "cw_exporter_api_attempt_errors_total", |l| {
            l.label("outcome") == Some(code)
        })
    };
    for code in [
        "Throttling",
        "InternalFailure",
        "ServiceUnavailable",
        "network",
        "bad_response",
        "timeout",
    ] {
        assert!(
            attempt_errors(code) > 0.0,
            "no {code} in cw_exporter_api_attempt_errors_total:\n{}",
            named(&lines, "cw_exporter_api_attempt_errors_total")
                .iter()
                .map(|l| format!("{:?} {}", l.labels, l.value))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // The cycle whose three attempts all failed: the call failed, the jobs said so at once
    // (seen by a scrape), and the log said it once per job with the AWS error code.
    let failed_calls = sum_where(&lines, "cw_exporter_api_calls_total", |l| {
        l.label("outcome") != Some("success")
    });
    assert!(failed_calls >= 1.0);
    assert!(
        saw_failure,
        "no scrape showed cw_exporter_collection_success 0"
    );
    let log = exp.log();
    assert!(log.contains("collection failing"), "{log}");
    assert!(log.contains("ServiceUnavailable"), "{log}");

    // Faults stop: the next cycle recovers, same process.
    proxy.set(&[]);
    let pid = exp.proc.0.id();
    let start = Instant::now();
    loop {
        let lines = parse(&exp.metrics());
        let ok = named(&lines, "cw_exporter_collection_success")
            .iter()
            .all(|l| l.value == 1.0);
        let now = cw_exporter_now();
        let fresh = named(&lines, "cw_exporter_last_success_timestamp_seconds")
            .iter()
            .all(|l| now - l.value < 5.0);
        if ok && fresh {
            assert_eq!(
                named(
                    &lines,
                    "aws_ecs_containerinsights_running_task_count_average"
                )
                .len(),
                services
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never recovered:\n{}",
            exp.log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(exp.proc.0.id(), pid);
    assert!(exp.log().contains("collection recovered"), "{}", exp.log());
}

fn cw_exporter_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A throttled call carrying AWS's `x-amz-retry-after` hint is retried no sooner than it says.
#[test]
fn throttling_backs_off_as_the_retry_after_hint_says() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "1", "--minutes", "10"]);
    let proxy = FaultProxy::start(&moto.url);
    let exp = exporter_through(
        &proxy,
        &moto,
        &[
            "--config.file=examples/seed-config.yml",
            "--scraping-interval=3",
            "--aws.timeout=30",
        ],
    );
    // Steady state: only GetMetricData. Throttle the next one, with a 1.5 s hint.
    proxy.set(&[Fault::Throttle(Some(1500)), Fault::Pass]);
    let from = proxy.seen().len();
    let start = Instant::now();
    let (throttled, retry) = loop {
        let seen = proxy.seen();
        let gmd: Vec<_> = seen[from..]
            .iter()
            .filter(|s| s.action == "GetMetricData")
            .cloned()
            .collect();
        if gmd.len() >= 2 {
            break (gmd[0].clone(), gmd[1].clone());
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{}", exp.log());
        std::thread::sleep(Duration::from_millis(100));
    };
    proxy.set(&[]);
    assert_eq!(throttled.fault, Fault::Throttle(Some(1500)));
    let gap = retry.at - throttled.at;
    assert!(
        gap >= Duration::from_millis(1400),
        "retried after {gap:?}, before the 1.5 s hint"
    );
    assert!(gap < Duration::from_secs(10), "retried after {gap:?}");
    // The retry succeeded: the call counts as a success, the attempt as throttled.
    let start = Instant::now();
    loop {
        let lines = parse(&exp.metrics());
        let throttled = sum_where(&lines, "cw_exporter_api_attempt_errors_total", |l| {
            l.label("outcome") == Some("Throttling") && l.label("api") == Some("GetMetricData")
        });
        let failed = sum_where(&lines, "cw_exporter_api_calls_total", |l| {
            l.label("api") == Some("GetMetricData") && l.label("outcome") != Some("success")
        });
        if throttled == 1.0 {
            assert_eq!(failed, 0.0);
            assert!(
                named(&lines, "cw_exporter_collection_success")
                    .iter()
                    .all(|l| l.value == 1.0)
            );
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(200));
    }
}
