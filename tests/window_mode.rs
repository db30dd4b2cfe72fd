//! Window mode against a real Prometheus: every datapoint since the last poll arrives once per
//! poll, with its CloudWatch timestamp, and Prometheus stores each at that time.

use crate::common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// Puts one datapoint every 5 s from 2 minutes ago to 3 minutes ahead, each valued at its own
/// timestamp (seconds), so any sample says where it belongs.
fn seed_timeline(moto: &Moto) -> i64 {
    let script = r#"
import sys, time, datetime as dt, boto3
cw = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=sys.argv[1],
                  aws_access_key_id="testing", aws_secret_access_key="testing")
now = int(time.time()) // 5 * 5
data = [{"MetricName": "Requests", "Value": float(t), "Unit": "Count",
         "Timestamp": dt.datetime.fromtimestamp(t, dt.timezone.utc),
         "Dimensions": [{"Name": "Service", "Value": "api"}]}
        for t in range(now - 120, now + 180, 5)]
for i in range(0, len(data), 500):
    cw.put_metric_data(Namespace="Test/Window", MetricData=data[i:i + 500])
print(now)
"#;
    let out = Command::new(venv().join("bin/python"))
        .args(["-c", script, &moto.url])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// The seeded timeline's metric in window mode: 5 s points, polled every 10 s, 30 s long.
fn window_config() -> std::path::PathBuf {
    write_config(
        r#"apiVersion: v1alpha1
customNamespace:
  - name: window
    namespace: Test/Window
    regions: [us-east-1]
    collectionInterval: 10
    windowMode: true
    metrics:
      - {name: Requests, statistics: [Sum], period: 5, length: 30}
"#,
    )
}

/// The (timestamp ms, value) samples of `name` in an exposition.
fn samples(text: &str, name: &str) -> Vec<(i64, f64)> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .map(|l| {
            let mut it = l.rsplit(' ');
            let ts: i64 = it.next().unwrap().parse().expect("a timestamp");
            let v: f64 = it.next().unwrap().parse().unwrap();
            (ts, v)
        })
        .collect()
}

#[test]
fn every_point_since_the_last_poll_reaches_prometheus_at_its_own_time() {
    let moto = Moto::start();
    seed_timeline(&moto);
    let config = window_config();
    moto.start_recording();
    let exp = exporter(
        &moto,
        &[
            &format!("-config.file={}", config.display()),
            "-scraping-interval=300",
            // The first window's own length: no backfill (see the recovery test below).
            "--window-mode.backfill=0",
        ],
    );
    let name = "aws_test_window_requests_sum";
    // The first poll: the last 30 s (length), six 5-second points, each at its own time.
    let first = samples(&exp.metrics(), name);
    assert_eq!(first.len(), 6, "{}", exp.metrics());
    for (i, (ts, v)) in first.iter().enumerate() {
        assert_eq!(
            *v * 1000.0,
            *ts as f64,
            "each point is valued at its own time"
        );
        if i > 0 {
            assert_eq!(ts - first[i - 1].0, 5_000, "ascending, no gaps: {first:?}");
        }
    }

    let target = exp.url.trim_start_matches("http://");
    let prom = Prometheus::start(&exp.url, &[]);
    // A second one that accepts out-of-order samples within 10 minutes, as the README advises.
    let tolerant = Prometheus::start_with(
        &format!("static_configs: [{{targets: ['{target}']}}]"),
        &[],
        "storage: {tsdb: {out_of_order_time_window: 10m}}",
    );
    // Three more polls, 10 s apart: two new points each, starting where the last one ended.
    let start = Instant::now();
    let mut polls = vec![first.clone()];
    while polls.len() < 4 {
        assert!(start.elapsed() < Duration::from_secs(60), "{polls:?}");
        let now = samples(&exp.metrics(), name);
        if now != *polls.last().unwrap() {
            polls.push(now);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    for w in polls.windows(2) {
        let (before, after) = (&w[0], &w[1]);
        assert_eq!(after.len(), 2, "{polls:?}");
        assert_eq!(after[0].0, before.last().unwrap().0 + 5_000, "{polls:?}");
    }
    // One GetMetricData call per poll, whatever number of points it brought.
    let calls = moto
        .recorded_actions()
        .iter()
        .filter(|a| *a == "GetMetricData")
        .count();
    assert!(
        (4..=5).contains(&calls),
        "{calls} calls for {} polls",
        polls.len()
    );

    // Prometheus holds every point of every poll it scraped, at its CloudWatch time.
    let newest = polls.last().unwrap().last().unwrap().0;
    let mut held = Vec::new();
    prom.wait_until("the newest window in Prometheus", 30, |p| {
        held = stored(p, name);
        held.last().is_some_and(|s| s.0 == newest)
    });
    let stored = held;
    for (ts, v) in &stored {
        assert_eq!(*v * 1000.0, *ts as f64, "{stored:?}");
    }
    for w in stored.windows(2) {
        assert_eq!(w[1].0 - w[0].0, 5_000, "no gap, no duplicate: {stored:?}");
    }
    // Prometheus scraped the first poll's points only if it started before the second poll.
    assert!(stored.len() >= 6, "{stored:?}");
    // What re-serving a window between polls costs: a Prometheus without an out-of-order window
    // drops the points it already has as out of order (nothing is lost: it has them), counts
    // them and logs a warning per scrape; with an out-of-order window it takes the repeats as
    // the duplicates they are, silently.
    let counter = |p: &Prometheus, name: &str| -> f64 {
        let (_, own) = get(&format!("{}/metrics", p.url));
        own.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let ooo = "prometheus_target_scrapes_sample_out_of_order_total";
    let dup = "prometheus_target_scrapes_sample_duplicate_timestamp_total";
    assert!(counter(&prom, ooo) > 0.0, "{}", prom.log());
    assert_eq!(counter(&prom, dup), 0.0);
    assert_eq!(counter(&tolerant, ooo), 0.0, "{}", tolerant.log());
    assert_eq!(counter(&tolerant, dup), 0.0, "{}", tolerant.log());
    assert!(
        !tolerant.log().contains("out-of-order"),
        "{}",
        tolerant.log()
    );
    // And it stored the same points.
    let q = format!("count_over_time({name}[5m])");
    let count = |p: &Prometheus| {
        p.query(&q).and_then(|r| {
            r.first()
                .map(|s| s["value"][1].as_str().unwrap().to_string())
        })
    };
    tolerant.wait_until("the same points", 15, |t| count(t) == count(&prom));
}

/// The samples of `name` Prometheus holds over the last 10 minutes, (timestamp ms, value).
fn stored(p: &Prometheus, name: &str) -> Vec<(i64, f64)> {
    p.query(&format!("{name}[10m]"))
        .and_then(|r| {
            r.first().map(|s| {
                s["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| {
                        let ts = (v[0].as_f64().unwrap() * 1000.0).round() as i64;
                        (ts, v[1].as_str().unwrap().parse::<f64>().unwrap())
                    })
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// The HA story: a pod is lost for longer than its windows, and its replacement (same
/// address, so the same series in Prometheus, as a StatefulSet shard's) backfills the gap from
/// CloudWatch in its first window (`--window-mode.backfill`): Prometheus ends up with every
/// point, none twice, with or without an out-of-order window. Without the backfill the
/// replacement's first window would start after the gap.
#[test]
fn a_replacement_backfills_the_gap_its_predecessor_left() {
    let moto = Moto::start();
    seed_timeline(&moto);
    let config = window_config();
    let cfg = format!("--config.file={}", config.display());
    let name = "aws_test_window_requests_sum";
    let port = free_port();
    let start_pod = |backfill: &str, port: u16| {
        let mut cmd = cw_exporter(&moto);
        cmd.args([cfg.as_str(), "--scraping-interval=300", backfill]);
        let e = spawn_exporter(cmd, "http", port);
        wait_ready(&e);
        e
    };
    let target = format!("127.0.0.1:{port}");
    let plain = Prometheus::start(&target, &[]);
    let tolerant = Prometheus::start_with(
        &format!("static_configs: [{{targets: ['{target}']}}]"),
        &[],
        "storage: {tsdb: {out_of_order_time_window: 10m}}",
    );
    let first = start_pod("--window-mode.backfill=0", port);
    let lost_at = samples(&first.metrics(), name).last().unwrap().0;
    for p in [&plain, &tolerant] {
        p.wait_until("the first pod's points", 30, |p| {
            stored(p, name).last().is_some_and(|s| s.0 >= lost_at)
        });
    }
    let had = stored(&plain, name)[0].0;
    drop(first);
    // Down for 40 s: four of its 10 s windows, longer than its 30 s length.
    std::thread::sleep(Duration::from_secs(40));

    // What a replacement without backfill would fetch first: the last 30 s, after the gap
    // (on another address: Prometheus must not scrape it).
    let unfilled = {
        let e = start_pod("--window-mode.backfill=0", free_port());
        samples(&e.metrics(), name)
    };
    assert!(
        unfilled[0].0 > lost_at + 5_000,
        "its first window starts after the gap: {lost_at} {unfilled:?}"
    );
    // The replacement with the default backfill (900 s; here the seeded two minutes).
    let second = start_pod("--window-mode.backfill=900", port);
    let back = samples(&second.metrics(), name);
    assert!(back[0].0 <= lost_at, "{lost_at} {back:?}");
    let newest = back.last().unwrap().0;
    for p in [&plain, &tolerant] {
        p.wait_until("the replacement's points", 30, |p| {
            stored(p, name).last().is_some_and(|s| s.0 >= newest)
        });
        let s = stored(p, name);
        let from_first = s.iter().skip_while(|(t, _)| *t < had).collect::<Vec<_>>();
        for w in from_first.windows(2) {
            assert_eq!(w[1].0 - w[0].0, 5_000, "no gap, no duplicate: {s:?}");
        }
        for (ts, v) in &s {
            assert_eq!(*v * 1000.0, *ts as f64, "each point at its own time");
        }
    }
}
