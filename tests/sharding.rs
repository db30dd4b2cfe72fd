//! Shards (`--shard=I --total-shards=N`) on one moto estate: together they export exactly what
//! one unsharded process exports, nothing twice, and each asks GetMetricData only for its own
//! series.

use std::collections::BTreeSet;

use crate::common;
use common::*;

#[test]
fn three_shards_export_exactly_what_one_process_does() {
    let moto = Moto::start();
    moto.seed(&["--clusters", "3", "--minutes", "10"]);
    let config = "-config.file=examples/seed-config.yml";
    let whole = exporter(&moto, &[config]);
    let all = series_set(&whole);
    assert!(all.len() > 50, "{}", all.len());
    let shards: Vec<Exporter> = (0..3)
        .map(|i| {
            exporter(
                &moto,
                &[config, &format!("--shard={i}"), "--total-shards=3"],
            )
        })
        .collect();
    let mut union = BTreeSet::new();
    for (i, s) in shards.iter().enumerate() {
        let mine = series_set(s);
        assert!(!mine.is_empty(), "shard {i} has nothing");
        assert!(
            mine.len() < all.len(),
            "shard {i} has everything: {}",
            mine.len()
        );
        for line in &mine {
            assert!(union.insert(line.clone()), "twice: {line}");
        }
        let m = s.metrics();
        assert!(
            m.contains(&format!("cw_exporter_shard_ordinal {i}\n")),
            "{m}"
        );
        assert!(m.contains("cw_exporter_total_shards 3\n"));
    }
    assert_eq!(union, all, "the shards' union is the unsharded export");

    // The bill: each shard's GetMetricData calls are ⌈its own queries / 500⌉, and the shards'
    // queries add up to the unsharded process's (plan, which the exporter's calls follow).
    let one = plan_json(&moto, &[config]);
    assert!(one.get("shard").is_none(), "unsharded: no shard field");
    let mut billed = 0;
    for i in 0..3 {
        let p = plan_json(
            &moto,
            &[config, &format!("--shard={i}"), "--total-shards=3"],
        );
        assert_eq!(
            p["shard"],
            serde_json::json!({"index": i, "total": 3}),
            "{p}"
        );
        let q = p["metrics_billed_per_cycle"].as_u64().unwrap();
        assert_eq!(
            p["get_metric_data_calls_per_cycle"].as_u64().unwrap(),
            q.div_ceil(500),
            "{p}"
        );
        billed += q;
        // Discovery is not sharded: every shard lists what one process lists.
        assert_eq!(p["discovery_calls_per_run"], one["discovery_calls_per_run"]);
    }
    assert_eq!(billed, one["metrics_billed_per_cycle"].as_u64().unwrap());
}

#[test]
fn shard_flags_are_checked_before_anything_runs() {
    let moto = Moto::unreachable();
    for (args, want) in [
        (
            vec!["--shard=3", "--total-shards=3"],
            "not below --total-shards 3",
        ),
        (vec!["--pod=cw-exporter", "--total-shards=3"], "no ordinal"),
        (
            vec!["--pod=cw-exporter-4", "--total-shards=3"],
            "--pod cw-exporter-4: shard 4",
        ),
        (
            vec!["--pod=cw-exporter-1", "--shard=2", "--total-shards=3"],
            "disagree",
        ),
        (
            vec![
                "--total-shards=2",
                "--firehose.listen-address=127.0.0.1:1",
                "--firehose.no-access-key",
            ],
            "cannot be split by shard",
        ),
        (
            vec!["plan", "--offline=5", "--total-shards=2"],
            "cannot split an estate",
        ),
    ] {
        let out = cw_exporter(&moto)
            .args(["-config.file=examples/seed-config.yml"])
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn a_statefulset_pod_takes_its_shard_from_its_name() {
    let moto = Moto::unreachable();
    let port = free_port();
    let mut cmd = cw_exporter(&moto);
    cmd.env("POD_NAME", "cw-exporter-2")
        .args(["-config.file=examples/seed-config.yml", "--total-shards=3"]);
    let e = spawn_exporter(cmd, "http", port);
    wait_ready(&e);
    let m = e.metrics();
    assert!(m.contains("cw_exporter_shard_ordinal 2\n"), "{m}");
    assert!(m.contains("cw_exporter_total_shards 3\n"), "{m}");
}
